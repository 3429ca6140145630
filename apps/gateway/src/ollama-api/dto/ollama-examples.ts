/** Request and response examples shown in Swagger UI for the Ollama API. */

const AT = '2025-05-01T10:00:00.000Z';
const METRICS = {
  total_duration: 4935886791,
  load_duration: 21143934,
  prompt_eval_count: 26,
  prompt_eval_duration: 39000000,
  eval_count: 290,
  eval_duration: 4871000000,
};

export const GENERATE_EXAMPLES = {
  streamed: {
    summary: 'NDJSON stream (default)',
    value: { model: 'llama3.2', prompt: 'Why is the sky blue?' },
  },
  single: {
    summary: 'One JSON object',
    value: {
      model: 'llama3.2',
      prompt: 'Why is the sky blue?',
      stream: false,
      options: { temperature: 0.2 },
    },
  },
};

export const GENERATE_LINES = [
  { model: 'llama3.2', created_at: AT, response: 'The', done: false },
  { model: 'llama3.2', created_at: AT, response: ' sky', done: false },
  {
    model: 'llama3.2',
    created_at: AT,
    response: '',
    done: true,
    done_reason: 'stop',
    context: [128006, 882],
    ...METRICS,
  },
];

export const GENERATE_OBJECT = {
  model: 'llama3.2',
  created_at: AT,
  response: 'The sky is blue because of Rayleigh scattering…',
  done: true,
  done_reason: 'stop',
  ...METRICS,
};

export const CHAT_EXAMPLES = {
  streamed: {
    summary: 'NDJSON stream (default)',
    value: { model: 'llama3.2', messages: [{ role: 'user', content: 'Why is the sky blue?' }] },
  },
  single: {
    summary: 'One JSON object',
    value: {
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'Why is the sky blue?' }],
      stream: false,
    },
  },
};

export const CHAT_LINES = [
  { model: 'llama3.2', created_at: AT, message: { role: 'assistant', content: 'The' }, done: false },
  { model: 'llama3.2', created_at: AT, message: { role: 'assistant', content: ' sky' }, done: false },
  {
    model: 'llama3.2',
    created_at: AT,
    message: { role: 'assistant', content: '' },
    done: true,
    done_reason: 'stop',
    ...METRICS,
  },
];

export const CHAT_OBJECT = {
  model: 'llama3.2',
  created_at: AT,
  message: { role: 'assistant', content: 'The sky is blue because of Rayleigh scattering…' },
  done: true,
  done_reason: 'stop',
  ...METRICS,
};
