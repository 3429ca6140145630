import { logIdsOf, withLogIds } from './log-context';

describe('logIdsOf', () => {
  it('returns only the correlation ids, not the access-log figures', () => {
    expect(logIdsOf({ requestId: 'r', jobId: 'j', queueMs: 5, tokens: 9 })).toEqual({
      requestId: 'r',
      jobId: 'j',
    });
  });

  it('leaves out ids that are not set, and answers {} without a scope', () => {
    expect(logIdsOf({ requestId: undefined, workerId: 'w' })).toEqual({ workerId: 'w' });
    expect(logIdsOf(undefined)).toEqual({});
  });
});

describe('withLogIds', () => {
  it('makes a message object whose fields are the ids', () => {
    expect(withLogIds('job j: completed', { jobId: 'j', requestId: undefined, workerId: 'w' })).toEqual({
      message: 'job j: completed',
      jobId: 'j',
      workerId: 'w',
    });
  });
});
