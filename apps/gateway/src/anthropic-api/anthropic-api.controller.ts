import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';

import { RequireScope } from '../auth/auth.decorators';
import { RequireBodyPipe, passThroughValidation } from '../common/request-body.pipe';
import { ApiNamedSseResponse } from '../openai-api/openai-docs';
import { ANTHROPIC_TAG, ApiAnthropicErrors } from './anthropic-docs';
import { AnthropicApiService } from './anthropic-api.service';
import { MESSAGE_EVENTS, MESSAGE_OBJECT, MESSAGES_EXAMPLES } from './dto/messages-examples';
import { MessagesRequestDto } from './dto/messages-request.dto';
import { RateCheckedAtSubmit } from '../limits/deferred-rate-check';

/** Anthropic's Messages API at /v1/messages (what `baseURL: http://gateway:4000` uses) and under /ollama. */
@ApiTags(ANTHROPIC_TAG)
@RequireScope('inference')
@Controller(['v1', 'ollama/v1'])
export class AnthropicApiController {
  constructor(private readonly anthropic: AnthropicApiService) {}

  @Post('messages')
  @RateCheckedAtSubmit()
  @ApiOperation({ summary: 'Anthropic message (one message object; named SSE events with stream:true)' })
  @ApiBody({ type: MessagesRequestDto, examples: MESSAGES_EXAMPLES })
  @ApiNamedSseResponse(
    'One message object; with `stream:true` Server-Sent Events `event: <type>` / `data: <json>`: ' +
      'message_start, ping, content_block_start/delta/stop per block, message_delta, message_stop. ' +
      'A failure after the first event ends the stream with one `event: error`.',
    MESSAGE_OBJECT,
    MESSAGE_EVENTS,
  )
  @ApiAnthropicErrors(400, 401, 403, 404, 429, 502, 503)
  messages(
    @Body(RequireBodyPipe, passThroughValidation) body: MessagesRequestDto,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    return this.anthropic.messages(body as unknown as Record<string, unknown>, req, res);
  }
}
