import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';

import { JobKind } from '@gridllm/contracts';

import { sendJson } from '../common/json-answer';
import { TranslatedJobs } from '../common/translated-jobs.service';
import { SseSink } from '../openai-api/sse-sink';
import { anthropicError } from './anthropic-error';
import { estimateInputTokens, toOllamaChatFromMessages } from './messages-request.translator';
import { MessagesStreamTranslator, anthropicId, toMessagesResponse } from './messages-response.translator';

/** Anthropic's SSE: named events, no end marker, `event: error` after a failure mid-stream. */
const ANTHROPIC_SSE = { named: true, doneMarker: false, errorBody: anthropicError };

/**
 * Anthropic's Messages API over the grid: a request becomes an ordinary chat job (so every engine serves
 * it), and the job's Ollama chunks become the message object or its event stream.
 */
@Injectable()
export class AnthropicApiService {
  constructor(private readonly jobs: TranslatedJobs) {}

  async messages(body: Record<string, unknown>, req: Request, res: Response): Promise<void> {
    const id = anthropicId('msg');
    const request = toOllamaChatFromMessages(body);
    const job = await this.jobs.submit(JobKind.Chat, request, req);
    if (request.stream === true) {
      const model = String(body.model);
      const estimate = estimateInputTokens(body);
      const sink = new SseSink(res, () => new MessagesStreamTranslator(id, model, estimate), ANTHROPIC_SSE);
      return this.jobs.stream(job, sink, req, res);
    }
    const result = await this.jobs.collect(job, req, res);
    if (result) sendJson(res, toMessagesResponse(id, result));
  }
}
