/** Why a running job's AbortController fired; decides how the job ends. */
export enum AbortReason {
  /** The client or an operator cancelled it. */
  Cancelled = 'cancelled',
  /** DEFAULT_JOB_TIMEOUT passed. */
  Deadline = 'deadline',
  /** The worker is shutting down and hands the job back (or fails it if it has streamed). */
  HandBack = 'hand-back',
  /** No token came within FIRST_TOKEN_TIMEOUT / STALL_TIMEOUT: the engine looks wedged. */
  Stalled = 'stalled',
  /** Another run owns the job's stream now (our fence was lost): touch nothing. */
  LockLost = 'lock-lost',
}
