import type { ChatHistoryItem, LlamaGrammar, Token } from 'node-llama-cpp';

import { EngineChunk } from '../inference-engine';
import { ChunkQueue } from './chunk-queue';
import { SamplingOptions } from './generation-options';
import { promptKey } from './sequence-shelf';
import { ModelLease } from './model-pool';
import { NodeLlamaCpp } from './llama-runtime';
import {
  GenerationMetrics,
  WireObject,
  chatChunk,
  chatFinal,
  generateChunk,
  generateFinal,
} from './ollama-wire';

/** One generation to run on a leased sequence. */
export interface GenerationPlan {
  kind: 'generate' | 'chat';
  /** The model name as the client wrote it (Ollama echoes it back). */
  model: string;
  /** Templated with the model's chat template (chat, and generate without `raw`). */
  history?: ChatHistoryItem[];
  /** Raw generate: the prompt goes to the model as is. */
  rawPrompt?: string;
  /** generate only: the prompt whose tokens start the returned `context`. */
  contextPrompt?: string;
  /** The prompt's key (see SequenceShelf): picks the slot sequence whose cache shares the most of it. */
  key: string;
  sampling: SamplingOptions;
  grammar?: LlamaGrammar;
  startedAt: bigint;
}

type StopReason =
  'eogToken' | 'stopGenerationTrigger' | 'functionCalls' | 'maxTokens' | 'abort' | 'customStopTrigger';

const nsSince = (start: bigint) => Number(process.hrtime.bigint() - start);

/**
 * Runs a generation and yields Ollama chunks as llama.cpp produces text, then the final chunk with
 * done_reason and metrics. Always waits for the generation to settle before returning: disposing a
 * sequence under a running generation crashes node-llama-cpp.
 */
export async function* runGeneration(
  lib: NodeLlamaCpp,
  lease: ModelLease,
  plan: GenerationPlan,
  signal: AbortSignal,
): AsyncGenerator<EngineChunk> {
  const sequence = lease.sequence;
  if (!sequence) throw new Error('a generation needs a sequence');
  const texts = new ChunkQueue<string>();
  const output: Token[] = [];
  let answered = '';
  let firstTokenAt: bigint | null = null;
  const meterBefore = sequence.tokenMeter.getState();
  const options = {
    ...plan.sampling,
    grammar: plan.grammar,
    signal,
    onTextChunk: (text: string) => texts.push(text),
    onToken: (tokens: Token[]) => {
      firstTokenAt ??= process.hrtime.bigint();
      output.push(...tokens);
    },
  };
  // One evaluator per request on the long-lived sequence; disposed after (it listens on the sequence).
  const evaluator = plan.history
    ? new lib.LlamaChat({
        contextSequence: sequence,
        chatWrapper: (lease.loaded.chatWrapper ??= lib.resolveChatWrapper(lease.loaded.model)),
      })
    : new lib.LlamaCompletion({ contextSequence: sequence });
  const generation: Promise<StopReason> = (
    evaluator instanceof lib.LlamaChat
      ? evaluator.generateResponse(plan.history ?? [], options)
      : evaluator.generateCompletionWithMeta(plan.rawPrompt ?? '', options)
  ).then((result) => result.metadata.stopReason);
  generation.then(
    () => texts.end(),
    (error: unknown) => texts.fail(error),
  );
  try {
    for await (const text of texts) {
      answered += text;
      if (text)
        yield wire(plan.kind === 'chat' ? chatChunk(plan.model, text) : generateChunk(plan.model, text));
    }
    const stopReason = await generation;
    const generationStart = plan.startedAt + BigInt(Math.round(lease.loadMs * 1e6));
    const metrics: GenerationMetrics = {
      totalNs: nsSince(plan.startedAt),
      loadNs: lease.loadMs * 1e6,
      promptEvalCount: sequence.tokenMeter.diff(meterBefore).usedInputTokens,
      promptEvalNs: Number((firstTokenAt ?? process.hrtime.bigint()) - generationStart),
      evalCount: output.length,
      evalNs: firstTokenAt ? nsSince(firstTokenAt) : 0,
    };
    const doneReason = stopReason === 'maxTokens' ? 'length' : 'stop';
    const context = plan.contextPrompt !== undefined ? contextTokens(lease, plan.contextPrompt, output) : [];
    yield wire(
      plan.kind === 'chat'
        ? chatFinal(plan.model, doneReason, metrics)
        : generateFinal(plan.model, doneReason, context, metrics),
    );
  } finally {
    await generation.catch(() => undefined);
    evaluator.dispose({ disposeSequence: false });
    // The sequence now holds the prompt and the answer: the next turn of this chat starts with both.
    lease.key = plan.key + promptKey([{ role: 'assistant', text: answered }]);
  }
}

function contextTokens(lease: ModelLease, prompt: string, output: Token[]): number[] {
  return [...lease.loaded.model.tokenize(prompt), ...output].map(Number);
}

function wire(body: WireObject): EngineChunk {
  return { raw: JSON.stringify(body), chunk: body };
}
