/** What a job asks the engine to do; one handler per name on the worker. */
export enum JobKind {
  Generate = 'generate',
  Chat = 'chat',
  /** `/api/embed` (string or array input). */
  Embed = 'embed',
  /** Legacy `/api/embeddings` (one prompt). */
  Embeddings = 'embeddings',
  /** `/api/show`: answered by any worker that has the model. */
  Show = 'show',
}

export const JOB_KINDS: readonly JobKind[] = Object.values(JobKind);

export type JobPriority = 'high' | 'medium' | 'low';

export const JOB_PRIORITIES: readonly JobPriority[] = ['high', 'medium', 'low'];

/** BullMQ priorities (lower runs first). Never 0: BullMQ serves unprioritised jobs before all others. */
export const BULLMQ_PRIORITY: Readonly<Record<JobPriority, number>> = { high: 1, medium: 2, low: 3 };

/** The payload a gateway puts on a model queue; `request` is the client's body, passed through untouched. */
export interface InferenceJobData {
  id: string;
  kind: JobKind;
  /** Normalised model name (the queue's model). */
  model: string;
  request: Record<string, unknown>;
  /** With WORKER_TOKEN the request is sealed here (AES-GCM) and `request` is empty; see JobPayloadSeal. */
  sealedRequest?: string;
  priority: JobPriority;
  /** Epoch ms when the gateway accepted the job. */
  submittedAt: number;
  /** Epoch ms after which the job must not start or continue. */
  deadlineAt: number;
  /** Seconds the token stream and result are kept after the job ends. */
  retainSeconds: number;
  /** Request id of the HTTP request that created it, for log correlation. */
  requestId?: string;
  /** The gateway whose client waits for this job; when that gateway is gone, nobody will read the answer. Absent for async jobs. */
  ownerGatewayId?: string;
  /** Whose job it is (API key id or token subject): the worker records its tokens there and frees its slot. Absent when auth is off. */
  ownerId?: string;
  /**
   * Opt-in (x-gridllm-continue): when its worker dies mid-stream, the job resumes on another worker from
   * the text already streamed instead of ending with an error line (see docs/continuation.md).
   */
  continueOnFailure?: boolean;
  /** What fair share charged the owner at submit (weighted tokens ÷ weight); the worker settles it against the real counts. */
  fairShare?: { cost: number; weight: number };
  /** Placement hints: the worker that takes the job remembers itself for these; see docs/scheduling.md. */
  affinity?: JobAffinity;
}

/** Why a worker took a job: the preferred worker (session, prefix), else its standing (warm, cold). */
export type PlacementReason = 'session' | 'prefix' | 'warm' | 'cold';

/** The worker a job should go to, if it can take it within the affinity delay, and why. */
export interface PreferredWorker {
  workerId: string;
  reason: 'session' | 'prefix';
  /** For a prefix hit: how many leading characters of the prompt that worker served recently. */
  prefixChars?: number;
}

/** What a job's placement remembers and prefers. */
export interface JobAffinity {
  /** Chained hashes of the prompt at its checkpoint blocks, at most 32 (see prefix-fingerprint.ts). */
  prefix?: string[];
  /** Hash of (owner, session name): the session's requests stay on one worker. */
  session?: string;
  preferred?: PreferredWorker;
}

/** What a worker stores as the BullMQ return value: the merged answer, as Ollama's `stream:false` would give it. */
export interface InferenceJobResult {
  workerId: string;
  response: Record<string, unknown>;
}

export type JobState = 'queued' | 'active' | 'completed' | 'failed' | 'cancelled';

/** Times a job that opted into continuation may resume after its worker died mid-stream. */
export const MAX_RESUMPTIONS = 1;

/**
 * Whether a new attempt continues the text streamed so far: the job opted in, an earlier attempt streamed
 * text, and the resumptions are not used up. The worker and the gateway's relay both decide with this,
 * each from the job's stream, so they agree.
 */
export function mayResume(optedIn: boolean, attemptsWithText: number): boolean {
  return optedIn && attemptsWithText > 0 && attemptsWithText - 1 < MAX_RESUMPTIONS;
}

/** The field of a resumed job's final line (and merged answer) that says it was resumed, and where. */
export const RESUMED_FIELD = 'gridllm_resumed';

/** What RESUMED_FIELD holds: the worker that broke off, how much it had streamed, the one that continued. */
export interface ResumedInfo {
  from_worker: string;
  by_worker: string;
  /** Chunks and characters of answer text the client had when the stream broke. */
  after_chunks: number;
  after_chars: number;
}
