import { Body, Controller, Delete, Get, HttpCode, Param, Post, ValidationPipe } from '@nestjs/common';
import { ApiCreatedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ApiKeyRecord, ApiKeyStore, IssuedApiKey, UsageLedger, UsageReport } from '@gridllm/access';
import { InvalidRequestError } from '@gridllm/contracts';

import { RequireScope } from '../auth/auth.decorators';
import { RequireBodyPipe } from '../common/request-body.pipe';
import { ApiErrorResponses } from '../docs/api-responses';
import { ApiKeyDto, ApiKeyListDto, CreateApiKeyDto, IssuedApiKeyDto } from './dto/api-key.dto';
import { UsageReportDto, UsageTotalsDto } from './dto/usage-report.dto';

const strictValidation = new ValidationPipe({
  transform: true,
  whitelist: true,
  forbidNonWhitelisted: true,
  exceptionFactory: (errors) =>
    new InvalidRequestError(
      errors
        .flatMap((error) => [error, ...(error.children ?? [])])
        .flatMap((error) => Object.values(error.constraints ?? {}))
        .join('; ') || 'invalid request',
    ),
});

/** API keys: create, list, get, revoke, rotate. Secrets are shown once and stored only as hashes. */
@ApiTags('Admin')
@RequireScope('admin')
@Controller('admin/keys')
export class ApiKeysController {
  constructor(
    private readonly keys: ApiKeyStore,
    private readonly usage: UsageLedger,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a key; the answer holds its secret, shown this once' })
  @ApiCreatedResponse({ type: IssuedApiKeyDto })
  @ApiErrorResponses(400, 401, 403)
  async create(@Body(RequireBodyPipe, strictValidation) dto: CreateApiKeyDto): Promise<IssuedApiKeyDto> {
    return issued(await this.keys.create({ ...dto, scopes: dto.scopes ?? ['inference'] }));
  }

  @Get()
  @ApiOperation({ summary: 'Every key (revoked ones marked), newest first; never the secrets' })
  @ApiOkResponse({ type: ApiKeyListDto })
  @ApiErrorResponses(401, 403)
  async list(): Promise<{ keys: ApiKeyRecord[] }> {
    return { keys: await this.keys.list() };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One key' })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiErrorResponses(401, 403, 404)
  get(@Param('id') id: string): Promise<ApiKeyRecord> {
    return this.keys.get(id);
  }

  @Get(':id/usage')
  @ApiOperation({
    summary:
      'Tokens used (prompt, completion, per model) in total, today and this month (UTC). Also answers for ' +
      'the owners that are not stored keys: `admin` (ADMIN_API_KEY) and `jwt:<sub>` (token subjects)',
  })
  @ApiExtraModels(UsageTotalsDto)
  @ApiOkResponse({ type: UsageReportDto })
  @ApiErrorResponses(401, 403, 404)
  async usageOf(@Param('id') id: string): Promise<UsageReport> {
    if (id !== 'admin' && !id.startsWith('jwt:')) await this.keys.get(id);
    return this.usage.report(id);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke a key: it stops working at once; its record and usage remain' })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiErrorResponses(401, 403, 404)
  revoke(@Param('id') id: string): Promise<ApiKeyRecord> {
    return this.keys.revoke(id);
  }

  @Post(':id/rotate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'A new secret for the key (settings and usage kept); the old one stops working at once',
  })
  @ApiOkResponse({ type: IssuedApiKeyDto })
  @ApiErrorResponses(401, 403, 404)
  async rotate(@Param('id') id: string): Promise<IssuedApiKeyDto> {
    return issued(await this.keys.rotate(id));
  }
}

/** The id first, then the secret (shown this once), then the settings. */
function issued({ key, record }: IssuedApiKey): IssuedApiKeyDto {
  const { id, ...settings } = record;
  return { id, key, ...settings };
}
