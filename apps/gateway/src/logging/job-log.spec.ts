import { LogScope } from '@gridllm/logging';

import { JobLog } from './job-log';

function inScope(fn: (scope: LogScope) => void): LogScope {
  const scope: LogScope = { requestId: 'r' };
  fn(scope);
  return scope;
}

describe('JobLog', () => {
  describe('started', () => {
    it('records the worker and the queue time of the first start only', () => {
      const scope = inScope((log) => {
        JobLog.started(log, 250, 'w1');
        JobLog.started(log, 10_000, 'w2');
      });
      expect(scope.workerId).toBe('w2');
      expect(scope.queueMs).toBe(250);
    });
  });

  describe('finished', () => {
    it("takes the token count from the final chunk's eval_count", () => {
      const scope = inScope((log) => JobLog.finished(log, '{"done":true,"eval_count":42,"eval_duration":1}'));
      expect(scope.tokens).toBe(42);
    });

    it('ignores eval_count text inside the generated response', () => {
      const scope = inScope((log) =>
        JobLog.finished(log, String.raw`{"response":"\"eval_count\":7","done":true}`),
      );
      expect(scope.tokens).toBeUndefined();
    });
  });
});
