import { APP_CONFIG, AppConfig } from '@app/config';
import { CanActivate, ExecutionContext, Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import Redis from 'ioredis';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { AuthenticatedRequest } from '../api-keys/auth.decorators';
import { tooManyRequests } from '../common/app-error';

/**
 * Per-key rate limit on the SCIM API (SCIM_RATE_LIMIT_PER_MINUTE, 200 by
 * default like Torii's; 0 turns it off). Counters live in Redis when
 * REDIS_URL is set, so the limit holds across instances; otherwise in memory.
 * If Redis is unreachable the in-memory limiter takes over rather than
 * refusing provisioning.
 */
@Injectable()
export class ScimRateLimitGuard implements CanActivate, OnModuleDestroy {
  private readonly logger = new Logger('ScimRateLimit');
  private readonly limiter: RateLimiterAbstract | null;
  private readonly redis: Redis | null = null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const points = config.scim.rateLimitPerMinute;
    if (points === 0) {
      this.limiter = null;
      return;
    }
    const memory = new RateLimiterMemory({ keyPrefix: 'scim', points, duration: 60 });
    if (!config.scim.redisUrl) {
      this.limiter = memory;
      return;
    }
    this.redis = new Redis(config.scim.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
    this.redis.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
    this.limiter = new RateLimiterRedis({
      storeClient: this.redis,
      keyPrefix: 'torii:scim-rate',
      points,
      duration: 60,
      insuranceLimiter: memory,
    });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.limiter) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const keyId = request.auth?.keyId;
    if (keyId === undefined) return true;
    try {
      const result = await this.limiter.consume(String(keyId));
      setHeaders(http.getResponse<FastifyReply>(), this.limiter.points, result);
      return true;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      setHeaders(http.getResponse<FastifyReply>(), this.limiter.points, rejection);
      const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw tooManyRequests(
        `Too many requests for this SCIM key: the limit is ${this.limiter.points} a minute. Retry after ${seconds} s.`,
        seconds,
      );
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.redis?.disconnect();
  }
}

function setHeaders(reply: FastifyReply, limit: number, result: RateLimiterRes): void {
  void reply.header('ratelimit-limit', String(limit));
  void reply.header('ratelimit-remaining', String(Math.max(0, result.remainingPoints)));
  void reply.header('ratelimit-reset', String(Math.ceil(result.msBeforeNext / 1000)));
}
