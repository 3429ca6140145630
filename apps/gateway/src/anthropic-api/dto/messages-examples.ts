/** Request and response examples shown in Swagger UI for the Anthropic Messages API. */

const MESSAGES = [{ role: 'user', content: 'Why is the sky blue?' }];

export const MESSAGES_EXAMPLES = {
  single: {
    summary: 'One message object',
    value: { model: 'llama3.2', max_tokens: 1024, messages: MESSAGES },
  },
  streamed: {
    summary: 'Server-Sent Events',
    value: { model: 'llama3.2', max_tokens: 1024, messages: MESSAGES, stream: true },
  },
  tools: {
    summary: 'Tool use',
    value: {
      model: 'qwen3',
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [
        {
          name: 'get_weather',
          description: 'Weather of a city',
          input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      ],
    },
  },
  thinking: {
    summary: 'Extended thinking',
    value: {
      model: 'qwen3',
      max_tokens: 1024,
      messages: MESSAGES,
      thinking: { type: 'enabled', budget_tokens: 512 },
    },
  },
};

const ID = 'msg_6e1f8c1a2b3c4d5e6f708192';

export const MESSAGE_OBJECT = {
  id: ID,
  type: 'message',
  role: 'assistant',
  model: 'llama3.2',
  content: [{ type: 'text', text: 'The sky is blue because of Rayleigh scattering.' }],
  stop_reason: 'end_turn',
  usage: { input_tokens: 26, output_tokens: 12 },
};

export const MESSAGE_EVENTS = [
  {
    type: 'message_start',
    message: {
      ...MESSAGE_OBJECT,
      content: [],
      stop_reason: undefined,
      usage: { input_tokens: 26, output_tokens: 0 },
    },
  },
  { type: 'ping' },
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'The sky' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' is blue…' } },
  { type: 'content_block_stop', index: 0 },
  {
    type: 'message_delta',
    delta: { stop_reason: 'end_turn' },
    usage: { input_tokens: 26, output_tokens: 12 },
  },
  { type: 'message_stop' },
];
