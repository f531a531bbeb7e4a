import { Controller, Get, Header, Headers, NotFoundException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { timingSafeEqual } from 'node:crypto';
import { Public } from '../auth/auth.decorators';
import { unauthorized } from '../common/app-error';
import { MetricsService } from './metrics.service';

/**
 * GET /metrics in the Prometheus text format, when METRICS_ENABLED. With METRICS_TOKEN set, the
 * scraper sends it as a bearer token (compared in constant time); without, the endpoint is open
 * and belongs on a private network.
 */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('cache-control', 'no-store')
  async get(@Headers('authorization') authorization?: string): Promise<string> {
    const { enabled, token } = this.metrics.config.metrics;
    if (!enabled) throw new NotFoundException();
    if (token && !sameSecret(authorization ?? '', `Bearer ${token}`)) {
      throw unauthorized('Send the metrics token as "Authorization: Bearer <METRICS_TOKEN>".');
    }
    return this.metrics.metrics();
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
