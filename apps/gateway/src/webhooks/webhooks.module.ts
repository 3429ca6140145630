import { Module } from '@nestjs/common';

import { SchedulerModule } from '@gridllm/scheduler';

import { JobWebhooks } from './job-webhooks.service';
import { KeyWebhookStore } from './key-webhook.store';
import { KeyWebhooksController } from './key-webhooks.controller';
import { WebhookDelivery } from './webhook-delivery.service';
import { WebhookHttpClient } from './webhook-http.client';
import { WebhookQueue } from './webhook-queue';

/** Callbacks of async native jobs: scheduled at submit, delivered by any gateway, shown in the job's status. */
@Module({
  imports: [SchedulerModule],
  controllers: [KeyWebhooksController],
  providers: [KeyWebhookStore, WebhookHttpClient, WebhookDelivery, WebhookQueue, JobWebhooks],
  exports: [JobWebhooks],
})
export class WebhooksModule {}
