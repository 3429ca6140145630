import { JobKind, OllamaChunk, RESUMED_FIELD } from '@gridllm/contracts';

import { planResume } from './continuation';
import { EarlierOutput } from './earlier-output.reader';

const generated = (texts: string[]): OllamaChunk[] =>
  texts.map((response, n) => ({
    model: 'm',
    created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    response,
    done: false,
  }));

const earlier = (chunks: OllamaChunk[], attemptsWithText = 1): EarlierOutput => ({
  chunks,
  attemptsWithText,
  lastWorkerId: 'broken',
});

describe(planResume.name, () => {
  it('runs afresh when no earlier attempt streamed text', () => {
    expect(planResume(JobKind.Generate, { prompt: 'p' }, earlier([], 0), 'next')).toEqual({ kind: 'fresh' });
  });

  it('continues a generate as a chat with the text so far as a partial assistant message', () => {
    const plan = planResume(
      JobKind.Generate,
      { model: 'm', prompt: 'why', system: 'be brief', options: { seed: 1 } },
      earlier(generated(['a ', 'b '])),
      'next',
    );
    if (plan.kind !== 'continue') throw new Error(`expected a continuation, got ${plan.kind}`);
    expect(plan.continuation.engineKind).toBe(JobKind.Chat);
    expect(plan.continuation.request).toEqual({
      model: 'm',
      options: { seed: 1 },
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'why' },
        { role: 'assistant', content: 'a b ' },
      ],
    });
  });

  it('continues a raw generate with the text appended to its prompt', () => {
    const plan = planResume(JobKind.Generate, { prompt: 'P:', raw: true }, earlier(generated(['x'])), 'next');
    if (plan.kind !== 'continue') throw new Error(`expected a continuation, got ${plan.kind}`);
    expect(plan.continuation.request).toEqual({ prompt: 'P:x', raw: true });
  });

  it('refuses a generate that carries a context (a chat cannot hold it)', () => {
    const plan = planResume(
      JobKind.Generate,
      { prompt: 'p', context: [1, 2] },
      earlier(generated(['x'])),
      'n',
    );
    expect(plan).toEqual({ kind: 'refuse', reason: expect.stringMatching(/context/) });
  });

  it('runs afresh once the resumptions are used up (the relay then ends the stream)', () => {
    expect(planResume(JobKind.Chat, { messages: [] }, earlier(generated(['x']), 2), 'n')).toEqual({
      kind: 'fresh',
    });
  });

  describe('Continuation.adapt', () => {
    it('turns chat chunks back into generate chunks and makes the final line cover both parts', () => {
      const plan = planResume(
        JobKind.Generate,
        { prompt: 'p' },
        earlier(generated(['a ', 'b ', 'c '])),
        'next',
      );
      if (plan.kind !== 'continue') throw new Error(`expected a continuation, got ${plan.kind}`);
      const chunk = {
        model: 'm',
        created_at: 't',
        message: { role: 'assistant', content: 'd ' },
        done: false,
      };
      expect(plan.continuation.adapt({ raw: '', chunk, final: false }).raw).toBe(
        '{"model":"m","created_at":"t","response":"d ","done":false}',
      );
      const final = {
        model: 'm',
        created_at: 't',
        message: { role: 'assistant', content: '' },
        done: true,
        done_reason: 'stop',
        total_duration: 10,
        prompt_eval_count: 5,
        eval_count: 2,
        eval_duration: 4,
      };
      const adapted = plan.continuation.adapt({ raw: '', chunk: final, final: true }).chunk;
      expect(adapted).toMatchObject({
        response: '',
        eval_count: 5,
        prompt_eval_count: 2,
        // The earlier chunks spanned 2 s.
        eval_duration: 4 + 2e9,
        total_duration: 10 + 2e9,
        [RESUMED_FIELD]: { from_worker: 'broken', by_worker: 'next', after_chunks: 3, after_chars: 6 },
      });
    });
  });
});
