// Exercises the node-llama-cpp 3.21.1 API the worker engine needs, against the demo model, and prints
// what each call returns and how long it takes. Plain Node ESM: node-llama-cpp is ESM-only with top-level
// await, so it cannot be require()d (ERR_REQUIRE_ASYNC_MODULE) and does not run under Jest's CommonJS runtime.
//
//   node -r ts-node/register scripts/make-demo-model.ts
//   node scripts/probe-llama.mjs [model.gguf] [threads]
//
// Runs offline (getLlama with build: 'never' uses the prebuilt @node-llama-cpp/linux-x64 binary).
import { performance } from 'node:perf_hooks';

const MODEL = process.argv[2] ?? 'data/models/gridllm-demo-tiny.gguf';
const THREADS = Number(process.argv[3] ?? 1);
const ms = (t) => `${(performance.now() - t).toFixed(1)}ms`;
const log = (...a) => console.log(...a);

let t = performance.now();
const {
  getLlama,
  readGgufFileInfo,
  GgufInsights,
  GgufFileType,
  LlamaLogLevel,
  LlamaCompletion,
  LlamaChatSession,
  LlamaChat,
  resolveChatWrapper,
  JinjaTemplateChatWrapper,
} = await import('node-llama-cpp');
log('import', ms(t));

// --- metadata without loading
t = performance.now();
const info = await readGgufFileInfo(MODEL, { logWarnings: false });
const insights = await GgufInsights.from(info);
log('readGgufFileInfo', ms(t), {
  version: info.version,
  architecture: info.metadata.general.architecture,
  name: info.metadata.general.name,
  fileType: info.metadata.general.file_type,
  fileTypeName: GgufFileType[info.metadata.general.file_type],
  contextLength: info.architectureMetadata.context_length,
  embeddingLength: info.architectureMetadata.embedding_length,
  chatTemplate: typeof info.metadata.tokenizer?.chat_template,
  totalParameters: insights.totalParameters,
  modelSize: insights.modelSize,
});

// --- engine + model
t = performance.now();
const llamaLogs = [];
const llama = await getLlama({
  gpu: false,
  build: 'never',
  logLevel: LlamaLogLevel.warn,
  logger: (level, message) => llamaLogs.push(`${level}: ${message.trim()}`),
});
log('getLlama', ms(t), { gpu: llama.gpu, buildType: llama.buildType, cpuMathCores: llama.cpuMathCores });
t = performance.now();
const model = await llama.loadModel({ modelPath: MODEL, gpuLayers: 0 });
log('loadModel', ms(t), {
  trainContextSize: model.trainContextSize,
  size: model.size,
  desc: model.typeDescription,
});

t = performance.now();
const context = await model.createContext({ contextSize: 2048, sequences: 3, threads: THREADS });
log('createContext', ms(t), {
  contextSize: context.contextSize,
  sequences: context.totalSequences,
  threads: context.currentThreads,
});

// --- chat wrapper from the GGUF template
const wrapper = resolveChatWrapper(model);
const jinja = new JinjaTemplateChatWrapper({ template: info.metadata.tokenizer.chat_template });
const history = [
  { type: 'system', text: 'You are terse.' },
  { type: 'user', text: 'Hello' },
  { type: 'model', response: ['Hi'] },
  { type: 'user', text: 'What is the answer?' },
];
const rendered = (w) =>
  w
    .generateContextState({ chatHistory: [...history, { type: 'model', response: [] }] })
    .contextText.toString();
log('resolveChatWrapper ->', wrapper.constructor.name, JSON.stringify(rendered(wrapper)));
log('JinjaTemplateChatWrapper ->', JSON.stringify(rendered(jinja)));

// --- LlamaChat (stateless history in, response out) with sampling + streaming + token counts
{
  const sequence = context.getSequence();
  const chat = new LlamaChat({ contextSequence: sequence, chatWrapper: jinja });
  let chunks = '';
  let tokenCount = 0;
  const before = sequence.tokenMeter.getState();
  t = performance.now();
  const res = await chat.generateResponse([...history, { type: 'model', response: [] }], {
    maxTokens: 24,
    temperature: 0.8,
    topK: 40,
    topP: 0.9,
    minP: 0.05,
    seed: 1234,
    repeatPenalty: { penalty: 1.1, frequencyPenalty: 0, presencePenalty: 0, lastTokens: 64 },
    onTextChunk: (text) => (chunks += text),
    onToken: (tokens) => (tokenCount += tokens.length),
  });
  const used = sequence.tokenMeter.diff(before);
  log('LlamaChat.generateResponse', ms(t), JSON.stringify(res.response), res.metadata, {
    streamedEqualsResponse: chunks === res.response,
    onTokenCount: tokenCount,
    used,
    contextTokens: sequence.contextTokens.length,
  });
  // Same seed -> same text (on a fresh sequence state)
  await sequence.clearHistory();
  const again = await chat.generateResponse([...history, { type: 'model', response: [] }], {
    maxTokens: 24,
    temperature: 0.8,
    topK: 40,
    topP: 0.9,
    minP: 0.05,
    seed: 1234,
    repeatPenalty: { penalty: 1.1, frequencyPenalty: 0, presencePenalty: 0, lastTokens: 64 },
  });
  log('  same seed reproduces:', again.response === res.response);
  // Prefix reuse: second call with a longer history evaluates only the new tokens
  const before2 = sequence.tokenMeter.getState();
  const res2 = await chat.generateResponse(
    [
      ...history,
      { type: 'model', response: [again.response] },
      { type: 'user', text: 'More' },
      { type: 'model', response: [] },
    ],
    { maxTokens: 8, temperature: 0 },
  );
  log('  follow-up used', sequence.tokenMeter.diff(before2), 'stop', res2.metadata.stopReason);
  chat.dispose({ disposeSequence: true });
  log('  sequence disposed -> free sequences', context.sequencesLeft);
}

// --- LlamaChatSession convenience + custom stop strings
{
  const session = new LlamaChatSession({
    contextSequence: context.getSequence(),
    chatWrapper: jinja,
    systemPrompt: 'You are terse.',
  });
  const res = await session.promptWithMeta('Hello', {
    maxTokens: 40,
    temperature: 0,
    customStopTriggers: ['e'],
  });
  log(
    'LlamaChatSession.promptWithMeta stop on "e":',
    JSON.stringify(res.responseText),
    res.stopReason,
    res.customStopTrigger,
  );
  log('  history', JSON.stringify(session.getChatHistory()));
  session.dispose({ disposeSequence: true });
}

// --- LlamaCompletion raw generate (no template)
{
  const sequence = context.getSequence();
  const completion = new LlamaCompletion({ contextSequence: sequence });
  const prompt = 'The answer is';
  const promptTokens = model.tokenize(prompt);
  const res = await completion.generateCompletionWithMeta(prompt, { maxTokens: 16, temperature: 0 });
  log('LlamaCompletion', JSON.stringify(res.response), res.metadata, {
    promptTokens: promptTokens.length,
    meter: sequence.tokenMeter.getState(),
  });
  // --- grammar from JSON schema (finite schema so the random model must finish)
  const schema = { type: 'object', properties: { ok: { type: 'boolean' }, n: { enum: [1, 2, 3] } } };
  const grammar = await llama.createGrammarForJsonSchema(schema);
  await sequence.clearHistory();
  const g = await completion.generateCompletionWithMeta('JSON:', {
    grammar,
    maxTokens: 200,
    temperature: 0.7,
    seed: 7,
  });
  log(
    'JSON-schema grammar',
    JSON.stringify(g.response),
    g.metadata.stopReason,
    'parse ->',
    JSON.stringify(grammar.parse(g.response)),
  );
  const jsonGrammar = await llama.getGrammarFor('json');
  await sequence.clearHistory();
  const j = await completion.generateCompletionWithMeta('JSON:', {
    grammar: jsonGrammar,
    maxTokens: 48,
    temperature: 0.7,
    seed: 7,
  });
  log('json grammar', JSON.stringify(j.response), j.metadata.stopReason);
  // --- abort latency. TokenBias refuses to bias EOG tokens, so a grammar that can never complete is what keeps
  // the model from ending the run (the same trick forces exactly maxTokens tokens).
  const endless = await llama.createGrammar({ grammar: 'root ::= [a-z ] root' });
  for (const stopOnAbortSignal of [true, false]) {
    await sequence.clearHistory();
    const controller = new AbortController();
    let abortedAt = 0;
    let n = 0;
    const p = completion.generateCompletionWithMeta('The', {
      maxTokens: 1_000_000,
      temperature: 1,
      grammar: endless,
      signal: controller.signal,
      stopOnAbortSignal,
      onToken: () => {
        n++;
      },
    });
    setTimeout(() => {
      abortedAt = performance.now();
      controller.abort(new Error('client went away'));
    }, 150);
    try {
      const r = await p;
      log(
        `abort (stopOnAbortSignal=${stopOnAbortSignal}) resolved`,
        r.metadata.stopReason,
        `after ${(performance.now() - abortedAt).toFixed(1)}ms`,
        `tokens=${n}`,
        `len=${r.response.length}`,
      );
    } catch (err) {
      log(
        `abort (stopOnAbortSignal=${stopOnAbortSignal}) rejected`,
        err?.constructor?.name,
        err?.message,
        `after ${(performance.now() - abortedAt).toFixed(1)}ms`,
        `tokens=${n}`,
      );
    }
  }
  completion.dispose({ disposeSequence: true });
}

// --- N parallel sequences on one context
{
  const seqs = [context.getSequence(), context.getSequence(), context.getSequence()];
  let extra = 'none';
  try {
    context.getSequence();
  } catch (err) {
    extra = err.message;
  }
  log('4th getSequence on sequences:3 ->', extra);
  t = performance.now();
  const results = await Promise.all(
    seqs.map((s, i) =>
      new LlamaCompletion({ contextSequence: s }).generateCompletion(`Hello ${i}`, {
        maxTokens: 50,
        temperature: 0,
      }),
    ),
  );
  log(
    '3 parallel completions',
    ms(t),
    results.map((r) => r.length),
  );
  seqs.forEach((s) => s.dispose());
}

// --- embeddings
{
  t = performance.now();
  const emb = await model.createEmbeddingContext({ contextSize: 512, threads: THREADS });
  const e1 = await emb.getEmbeddingFor('Hello world');
  const e2 = await emb.getEmbeddingFor('Hello world');
  const e3 = await emb.getEmbeddingFor('the answer');
  log('embeddings', ms(t), {
    dims: e1.vector.length,
    deterministic: e1.vector.every((v, i) => v === e2.vector[i]),
    cosSelf: e1.calculateCosineSimilarity(e2).toFixed(4),
    cosOther: e1.calculateCosineSimilarity(e3).toFixed(4),
    norm: Math.hypot(...e1.vector).toFixed(4),
  });
  await emb.dispose();
}

t = performance.now();
await context.dispose();
await model.dispose();
await llama.dispose();
log('dispose', ms(t), 'llama.cpp logs:', llamaLogs);
