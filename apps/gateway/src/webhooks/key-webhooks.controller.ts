import { Body, Controller, Get, Param, Put, ValidationPipe } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { InvalidRequestError } from '@gridllm/contracts';

import { RequireScope } from '../auth/auth.decorators';
import { RequireBodyPipe } from '../common/request-body.pipe';
import { ApiErrorResponses } from '../docs/api-responses';
import { parseCallbackUrl } from './callback-target';
import { ChangeKeyWebhookDto, KeyWebhookDto } from './dto/key-webhook.dto';
import { KeyWebhookStore, KeyWebhookView } from './key-webhook.store';

const strictValidation = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  exceptionFactory: (errors) =>
    new InvalidRequestError(errors.flatMap((error) => Object.values(error.constraints ?? {})).join('; ')),
});

/** A key's default callback and webhook secret (the secret is write-only). */
@ApiTags('Admin')
@RequireScope('admin')
@Controller('admin/keys/:id/webhook')
export class KeyWebhooksController {
  constructor(private readonly store: KeyWebhookStore) {}

  @Get()
  @ApiOperation({ summary: "The key's default callback, and whether it has its own webhook secret" })
  @ApiOkResponse({ type: KeyWebhookDto })
  @ApiErrorResponses(401, 403, 404)
  view(@Param('id') id: string): Promise<KeyWebhookView> {
    return this.store.view(id);
  }

  @Put()
  @ApiOperation({ summary: "Sets or clears the key's default callback and webhook secret" })
  @ApiOkResponse({ type: KeyWebhookDto })
  @ApiErrorResponses(400, 401, 403, 404)
  change(@Param('id') id: string, @Body(RequireBodyPipe, strictValidation) dto: ChangeKeyWebhookDto) {
    // The SSRF check of the target runs per job (addresses change); here only the URL's form.
    if (typeof dto.url === 'string') parseCallbackUrl(dto.url, 'url');
    return this.store.change(id, { url: dto.url, secret: dto.secret });
  }
}
