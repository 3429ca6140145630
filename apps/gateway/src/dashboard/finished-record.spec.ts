import { InferenceJobData, JobKind } from '@gridllm/contracts';

import { finishedRecord } from './finished-record';
import type { JobRecord } from './grid-sampler';

const T0 = 1_800_000_000_000;

function record(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    data: {
      id: 'j',
      kind: JobKind.Generate,
      model: 'm:latest',
      submittedAt: T0,
      ownerId: 'key_1',
    } as InferenceJobData,
    processedOn: T0 + 30,
    finishedOn: T0 + 500,
    processedBy: 'w1',
    bullPriority: 2,
    returnvalue: {
      workerId: 'w1',
      response: { eval_count: 42, load_duration: 5_000_000, prompt_eval_duration: 15_000_000 },
    },
    failedReason: null,
    ...overrides,
  };
}

describe('finishedRecord', () => {
  it('takes TTFT as queue wait plus the engine’s load and prompt time, and tokens from eval_count', () => {
    expect(finishedRecord('j', 'm:latest', record(), false, null, T0 + 501)).toMatchObject({
      outcome: 'completed',
      status: 200,
      workerId: 'w1',
      ownerId: 'key_1',
      latencyMs: 500,
      queueMs: 30,
      ttftMs: 50,
      tokens: 42,
      finishedAt: T0 + 500,
    });
  });

  it('gives a failed job the status of its stream’s error event', () => {
    const failed = record({ returnvalue: null, failedReason: 'job exceeded its deadline' });
    const sut = finishedRecord('j', 'm:latest', failed, true, '{"error":"job exceeded","status":504}', T0);
    expect(sut).toMatchObject({
      outcome: 'failed',
      status: 504,
      error: 'job exceeded its deadline',
      ttftMs: null,
    });
  });

  it('cuts a long error message, so the list of finished jobs stays small', () => {
    const failed = record({ returnvalue: null, failedReason: 'x'.repeat(5000) });
    expect(finishedRecord('j', 'm:latest', failed, true, null, T0).error).toHaveLength(200);
  });

  it('calls a job cancelled by its client cancelled, 499 when its stream is gone', () => {
    const cancelled = record({ returnvalue: null, failedReason: 'request canceled', processedOn: null });
    expect(finishedRecord('j', 'm:latest', cancelled, true, null, T0)).toMatchObject({
      outcome: 'cancelled',
      status: 499,
      queueMs: null,
      workerId: 'w1',
    });
  });
});
