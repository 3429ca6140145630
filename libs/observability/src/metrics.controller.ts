import {
  Controller,
  Get,
  Header,
  Inject,
  NotFoundException,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';

import { securityConfig } from '@gridllm/config';

import { MetricsRegistry } from './metrics-registry';

/** `GET /metrics` for Prometheus. */
@ApiTags('Operations')
@Controller('metrics')
export class MetricsController {
  private readonly tokenDigest: Buffer | null;

  constructor(
    private readonly metrics: MetricsRegistry,
    @Inject(securityConfig.KEY) security: ConfigType<typeof securityConfig>,
  ) {
    this.tokenDigest = security.metricsToken ? digest(security.metricsToken) : null;
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary:
      'Prometheus metrics (text exposition format 0.0.4); 404 when METRICS_ENABLED=false; ' +
      'needs `Authorization: Bearer <METRICS_TOKEN>` when that is set (not the API keys)',
  })
  @ApiSecurity('bearer')
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'one `name{labels} value` line per series, with # HELP and # TYPE lines' })
  async scrape(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<string> {
    // HTTP answers, not domain errors: this controller is the only place that knows about them.
    if (!this.metrics.enabled) throw new NotFoundException('metrics are disabled (METRICS_ENABLED=false)');
    if (this.tokenDigest && !this.presentsToken(req)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException('metrics need Authorization: Bearer <METRICS_TOKEN>');
    }
    res.type(this.metrics.contentType);
    return this.metrics.scrape();
  }

  /** Compared as digests in constant time. */
  private presentsToken(req: Request): boolean {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    return this.tokenDigest !== null && match !== null && timingSafeEqual(this.tokenDigest, digest(match[1]));
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
