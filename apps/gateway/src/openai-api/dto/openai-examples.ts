/** Request and response examples shown in Swagger UI for the OpenAI-compatible API. */

const CREATED = 1746093600;
const BASE = { created: CREATED, model: 'llama3.2', system_fingerprint: 'fp_ollama' };
const USAGE = { prompt_tokens: 26, completion_tokens: 290, total_tokens: 316 };

export const CHAT_COMPLETION_EXAMPLES = {
  single: {
    summary: 'One chat.completion object',
    value: { model: 'llama3.2', messages: [{ role: 'user', content: 'Why is the sky blue?' }] },
  },
  streamed: {
    summary: 'Server-Sent Events with usage',
    value: {
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'Why is the sky blue?' }],
      stream: true,
      stream_options: { include_usage: true },
    },
  },
  tools: {
    summary: 'Tool calling',
    value: {
      model: 'qwen3',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        },
      ],
    },
  },
};

export const CHAT_COMPLETION_OBJECT = {
  id: 'chatcmpl-482',
  object: 'chat.completion',
  ...BASE,
  choices: [
    { index: 0, message: { role: 'assistant', content: 'The sky is blue because…' }, finish_reason: 'stop' },
  ],
  usage: USAGE,
};

const chatChunk = (delta: object, finishReason: string | null) => ({
  id: 'chatcmpl-482',
  object: 'chat.completion.chunk',
  ...BASE,
  choices: [{ index: 0, delta, finish_reason: finishReason }],
});

export const CHAT_COMPLETION_EVENTS = [
  chatChunk({ role: 'assistant', content: 'The' }, null),
  chatChunk({ content: ' sky' }, null),
  chatChunk({ content: '' }, 'stop'),
  { id: 'chatcmpl-482', object: 'chat.completion.chunk', ...BASE, choices: [], usage: USAGE },
];

export const COMPLETION_EXAMPLES = {
  single: { summary: 'One text_completion object', value: { model: 'llama3.2', prompt: 'Why is the sky' } },
  streamed: {
    summary: 'Server-Sent Events',
    value: {
      model: 'llama3.2',
      prompt: 'def fib(n):',
      suffix: '\n    return a',
      stream: true,
      max_tokens: 64,
    },
  },
};

export const COMPLETION_OBJECT = {
  id: 'cmpl-771',
  object: 'text_completion',
  ...BASE,
  choices: [{ text: ' blue? Because…', index: 0, finish_reason: 'stop' }],
  usage: USAGE,
};

const completionChunk = (text: string, finishReason: string | null) => ({
  id: 'cmpl-771',
  object: 'text_completion',
  created: CREATED,
  choices: [{ text, index: 0, finish_reason: finishReason }],
  model: 'llama3.2',
  system_fingerprint: 'fp_ollama',
});

export const COMPLETION_EVENTS = [completionChunk(' blue?', null), completionChunk('', 'stop')];

export const RESPONSES_EXAMPLES = {
  single: { summary: 'One response object', value: { model: 'llama3.2', input: 'Why is the sky blue?' } },
  streamed: {
    summary: 'Named Server-Sent Events',
    value: { model: 'llama3.2', instructions: 'Be brief.', input: 'Why is the sky blue?', stream: true },
  },
  tools: {
    summary: 'A function tool',
    value: {
      model: 'qwen3',
      input: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [
        {
          type: 'function',
          name: 'get_weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      ],
    },
  },
};

const RESPONSE_TEXT = 'The sky is blue because of Rayleigh scattering.';
const RESPONSE_MESSAGE = {
  id: 'msg_6e1f8c1a2b3c4d5e6f708192',
  type: 'message',
  status: 'completed',
  role: 'assistant',
  content: [{ type: 'output_text', text: RESPONSE_TEXT, annotations: [], logprobs: [] }],
};

export const RESPONSE_OBJECT = {
  id: 'resp_6e1f8c1a2b3c4d5e6f708192',
  object: 'response',
  created_at: CREATED,
  completed_at: CREATED + 2,
  status: 'completed',
  model: 'llama3.2',
  output: [RESPONSE_MESSAGE],
  usage: { input_tokens: 26, output_tokens: 12, total_tokens: 38 },
};

const AT = { item_id: RESPONSE_MESSAGE.id, output_index: 0, content_index: 0 };
const PART = { type: 'output_text', text: '', annotations: [], logprobs: [] };

export const RESPONSE_EVENTS = [
  {
    type: 'response.created',
    response: { ...RESPONSE_OBJECT, status: 'in_progress', output: [], usage: null },
  },
  {
    type: 'response.in_progress',
    response: { ...RESPONSE_OBJECT, status: 'in_progress', output: [], usage: null },
  },
  {
    type: 'response.output_item.added',
    output_index: 0,
    item: { ...RESPONSE_MESSAGE, status: 'in_progress', content: [] },
  },
  { type: 'response.content_part.added', ...AT, part: PART },
  { type: 'response.output_text.delta', ...AT, delta: 'The sky', logprobs: [] },
  { type: 'response.output_text.done', ...AT, text: RESPONSE_TEXT, logprobs: [] },
  { type: 'response.content_part.done', ...AT, part: { ...PART, text: RESPONSE_TEXT } },
  { type: 'response.output_item.done', output_index: 0, item: RESPONSE_MESSAGE },
  { type: 'response.completed', response: RESPONSE_OBJECT },
].map((event, sequence_number) => ({ ...event, sequence_number }));
