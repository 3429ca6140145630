import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { DelayedError, Job } from 'bullmq';

import { webhookConfig } from '@gridllm/config';
import { JobNotFoundError } from '@gridllm/contracts';
import { JobInspector } from '@gridllm/scheduler';

import {
  DeliveryAttempt,
  KEPT_ATTEMPTS,
  WebhookJobData,
  delivered,
  nextAttemptAt,
  pollDelayMs,
} from './delivery-schedule';
import { KeyWebhookStore } from './key-webhook.store';
import { WebhookHttpClient } from './webhook-http.client';
import { gonePayload, payloadOf } from './webhook-payload';
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signCallback } from './webhook-signature';

/**
 * One turn of a callback, run by whichever gateway holds its BullMQ lock: look whether the job has
 * ended (if not, look again later), then POST the signed outcome once; on failure schedule the retry.
 * State lives in the BullMQ job's data, so the next turn may run on another gateway, or after a restart.
 */
@Injectable()
export class WebhookDelivery {
  private readonly logger = new Logger(WebhookDelivery.name);

  constructor(
    private readonly inspector: JobInspector,
    private readonly keys: KeyWebhookStore,
    private readonly http: WebhookHttpClient,
    @Inject(webhookConfig.KEY) private readonly settings: ConfigType<typeof webhookConfig>,
  ) {}

  async process(job: Job<WebhookJobData>, token: string): Promise<void> {
    const data = { ...job.data };
    const now = Date.now();
    if (!data.payload) {
      const payload = await this.outcomeOf(data);
      if (!payload) return this.later(job, token, now + pollDelayMs(now - data.registeredAt));
      data.payload = payload;
      data.firstAttemptAt = now;
    }
    const attempt = await this.attempt(data);
    data.attempts = [...data.attempts, attempt].slice(-KEPT_ATTEMPTS);
    data.attemptCount += 1;
    if (delivered(attempt.statusCode)) {
      await job.updateData({ ...data, state: 'delivered', nextAttemptAt: undefined });
      this.logger.log(
        `job ${data.jobId}: callback delivered (${attempt.statusCode}) after ${data.attemptCount} attempt(s)`,
      );
      return;
    }
    const next = nextAttemptAt(data, Date.now(), this.settings);
    if (next === null) {
      await job.updateData({ ...data, state: 'gave-up', nextAttemptAt: undefined });
      this.logger.warn(`job ${data.jobId}: callback given up after ${data.attemptCount} attempts`);
      return;
    }
    this.logger.warn(
      `job ${data.jobId}: callback attempt ${data.attemptCount} failed (${attempt.statusCode ?? attempt.error}); next in ${next - Date.now()} ms`,
    );
    await job.updateData({ ...data, state: 'retrying', nextAttemptAt: next });
    return this.later(job, token, next);
  }

  /** The job's outcome as the callback's body, or null while it is queued or running. */
  private async outcomeOf(data: WebhookJobData): Promise<string | null> {
    try {
      const payload = payloadOf(await this.inspector.describe(data.jobId));
      return payload && JSON.stringify(payload);
    } catch (error) {
      if (!(error instanceof JobNotFoundError)) throw error;
      return JSON.stringify(gonePayload(data.jobId, data.model));
    }
  }

  private async attempt(data: WebhookJobData): Promise<DeliveryAttempt> {
    const started = Date.now();
    const at = new Date(started).toISOString();
    const secret = (data.keyId && (await this.keys.secret(data.keyId))) || this.settings.secret;
    if (!secret)
      return { at, error: 'no signing secret (neither the key’s nor WEBHOOK_SECRET)', durationMs: 0 };
    const body = data.payload ?? '';
    const timestamp = Math.floor(started / 1000);
    const outcome = await this.http.post({
      url: new URL(data.url),
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'GridLLM-Webhook/1',
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signCallback(secret, timestamp, body),
        // The same on every attempt: receivers drop repeats (delivery is at least once).
        [DELIVERY_HEADER]: data.jobId,
        'idempotency-key': data.jobId,
      },
      timeoutMs: this.settings.timeoutMs,
      allowPrivate: this.settings.allowPrivate,
    });
    const durationMs = Date.now() - started;
    return 'status' in outcome
      ? { at, statusCode: outcome.status, durationMs }
      : { at, error: outcome.error, durationMs };
  }

  /** Puts the callback back in `delayed` until `at` (BullMQ's way for a processor to reschedule its job). */
  private async later(job: Job<WebhookJobData>, token: string, at: number): Promise<void> {
    await job.moveToDelayed(at, token);
    throw new DelayedError();
  }
}
