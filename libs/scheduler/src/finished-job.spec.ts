import { InferenceJobData, JobKind } from '@gridllm/contracts';

import { MAX_STORED_CONTEXT_TOKENS, finishedRecord, storedResult, withoutRequest } from './finished-job';

const job: InferenceJobData = {
  id: 'job-1',
  kind: JobKind.Generate,
  model: 'llama3.2:latest',
  request: { model: 'llama3.2', prompt: 'a long prompt' },
  sealedRequest: 'v1.iv.tag.ciphertext',
  priority: 'high',
  submittedAt: 1,
  deadlineAt: 2,
  retainSeconds: 600,
  requestId: 'req-1',
  ownerId: 'key_1',
};

describe('finished jobs', () => {
  describe(withoutRequest.name, () => {
    it('drops the request and its sealed form and keeps what status, result and cancel read', () => {
      const sut = withoutRequest(job);
      expect(sut).toEqual({ ...job, request: {}, sealedRequest: undefined });
      expect('sealedRequest' in sut).toBe(false);
    });
  });

  describe(finishedRecord.name, () => {
    it('drops the request and the prompt prefix hashes but keeps the session and the preferred worker', () => {
      const preferred = { workerId: 'w1', reason: 'prefix' as const, prefixChars: 512 };
      const affinity = { prefix: ['a', 'b'], session: 's', preferred };
      const sut = finishedRecord({ ...job, affinity });
      expect(sut).toEqual({
        ...job,
        request: {},
        sealedRequest: undefined,
        affinity: { session: 's', preferred },
      });
      expect(withoutRequest({ ...job, affinity }).affinity).toEqual(affinity);
    });
  });

  describe(storedResult.name, () => {
    it('keeps a result with a short context whole', () => {
      const result = { workerId: 'w', response: { response: 'hi', context: [1, 2, 3], done: true } };
      expect(storedResult(result)).toBe(result);
    });

    it('leaves out a prompt-sized context and keeps the answer', () => {
      const context = Array.from({ length: MAX_STORED_CONTEXT_TOKENS + 1 }, (_, i) => i);
      const sut = storedResult({ workerId: 'w', response: { response: 'hi', context, done: true } });
      expect(sut).toEqual({ workerId: 'w', response: { response: 'hi', done: true } });
    });
  });
});
