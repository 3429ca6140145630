import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';

import { webhookConfig } from '@gridllm/config';
import { InferenceJobData, Principal } from '@gridllm/contracts';

import { CallbackRefusedError, hostOf, parseCallbackUrl, resolveCallbackHost } from './callback-target';
import { DeliveryAttempt, DeliveryState } from './delivery-schedule';
import { KeyWebhookStore } from './key-webhook.store';
import { WebhookQueue } from './webhook-queue';

/** A checked callback for a job about to be submitted. */
export interface CallbackPlan {
  url: string;
  keyId?: string;
}

/** A job's callback as /inference/:id/status shows it. */
export interface WebhookStatus {
  url: string;
  state: DeliveryState;
  attempts: DeliveryAttempt[];
  attemptCount: number;
  nextAttemptAt?: string;
}

/** The native API's side of callbacks: check one before the job is queued, schedule it after, show it. */
@Injectable()
export class JobWebhooks {
  constructor(
    private readonly queue: WebhookQueue,
    private readonly keys: KeyWebhookStore,
    @Inject(webhookConfig.KEY) private readonly settings: ConfigType<typeof webhookConfig>,
  ) {}

  /**
   * The callback of an async job: the request's `callback_url`, else the key's default; null for none.
   * Refused (400) before anything is queued: a bad URL, a target the SSRF guard forbids, no secret to sign.
   */
  async plan(
    callbackUrl: unknown,
    async: boolean,
    principal: Principal | undefined,
  ): Promise<CallbackPlan | null> {
    const keyId = principal?.kind === 'api-key' ? principal.id : undefined;
    if (callbackUrl !== undefined && !async) throw new CallbackRefusedError('callback_url needs async:true');
    const wanted = callbackUrl ?? (async && keyId ? await this.keys.defaultUrl(keyId) : null);
    if (wanted === null || wanted === undefined) return null;
    const url = parseCallbackUrl(wanted);
    await resolveCallbackHost(hostOf(url), this.settings.allowPrivate);
    if (!this.settings.secret && !(keyId && (await this.keys.secret(keyId)))) {
      throw new CallbackRefusedError(
        'callback_url needs a signing secret: the key’s webhook secret or WEBHOOK_SECRET',
      );
    }
    return { url: url.toString(), keyId };
  }

  /** Schedules the callback of a queued job (durable once this resolves). */
  async schedule(job: InferenceJobData, plan: CallbackPlan): Promise<void> {
    const retainSeconds = Math.max(job.retainSeconds, this.settings.retryWindowMs / 1000);
    await this.queue.queue.add(
      'callback',
      {
        jobId: job.id,
        model: job.model,
        url: plan.url,
        keyId: plan.keyId,
        registeredAt: Date.now(),
        state: 'waiting-for-job',
        attempts: [],
        attemptCount: 0,
      },
      {
        jobId: job.id,
        // The first look is soon: a short job may already be done.
        delay: 250,
        // Only Redis trouble fails a turn (a receiver's failure is a retry the turn schedules itself).
        attempts: 20,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: retainSeconds },
        removeOnFail: { age: retainSeconds },
      },
    );
  }

  /** The job's callback and its delivery history, or undefined when it has none. */
  async status(jobId: string): Promise<WebhookStatus | undefined> {
    const job = await this.queue.queue.getJob(jobId);
    if (!job) return undefined;
    const { url, state, attempts, attemptCount, nextAttemptAt } = job.data;
    const next = nextAttemptAt ? new Date(nextAttemptAt).toISOString() : undefined;
    return { url, state, attempts, attemptCount, nextAttemptAt: next };
  }
}
