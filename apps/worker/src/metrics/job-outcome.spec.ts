import { AbortReason } from '../jobs/abort-reason';
import { failedOutcome, isEngineFailure } from './job-outcome';

describe(failedOutcome.name, () => {
  it.each([
    [AbortReason.Cancelled, 'cancelled'],
    [AbortReason.Deadline, 'timed_out'],
    [AbortReason.HandBack, 'handed_back'],
    [AbortReason.LockLost, 'lock_lost'],
    [undefined, 'failed'],
  ])('labels a job aborted for %s as %s', (reason, outcome) => {
    expect(failedOutcome(reason)).toBe(outcome);
  });
});

describe(isEngineFailure.name, () => {
  it('blames the engine only when nothing aborted the job', () => {
    expect(isEngineFailure(undefined)).toBe(true);
    expect(isEngineFailure(AbortReason.Cancelled)).toBe(false);
    expect(isEngineFailure(AbortReason.Deadline)).toBe(false);
  });
});
