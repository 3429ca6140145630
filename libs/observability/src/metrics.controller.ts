import { Controller, Get, Header, NotFoundException, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';

import { MetricsRegistry } from './metrics-registry';

/** `GET /metrics` for Prometheus. */
@ApiTags('Operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Prometheus metrics (text exposition format 0.0.4); 404 when METRICS_ENABLED=false',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'one `name{labels} value` line per series, with # HELP and # TYPE lines' })
  async scrape(@Res({ passthrough: true }) res: Response): Promise<string> {
    // An HTTP answer, not a domain error: this controller is the only place that knows about it.
    if (!this.metrics.enabled) throw new NotFoundException('metrics are disabled (METRICS_ENABLED=false)');
    res.type(this.metrics.contentType);
    return this.metrics.scrape();
  }
}
