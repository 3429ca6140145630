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
