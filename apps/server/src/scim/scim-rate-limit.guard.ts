import { APP_CONFIG, AppConfig } from '@app/config';
import { CanActivate, ExecutionContext, Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import Redis from 'ioredis';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { AuthenticatedRequest } from '../auth/auth.decorators';
import { tooManyRequests } from '../common/app-error';

const REDIS_READY_TIMEOUT_MS = 2000;

/**
 * Per-key rate limit on the SCIM API (SCIM_RATE_LIMIT_PER_MINUTE, 200 by
 * default like Torii's; 0 turns it off). Counters live in Redis when
 * REDIS_URL is set, so the limit holds across instances; otherwise in memory.
 * If Redis is unreachable the in-memory limiter takes over rather than
 * refusing provisioning. Keys are `<REDIS_KEY_PREFIX>scim-rate:<key id>`.
 */
@Injectable()
export class ScimRateLimitGuard implements CanActivate, OnModuleInit, OnModuleDestroy {
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
    this.redis = new Redis(config.scim.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: false,
      // ioredis keeps a timer this long after disconnecting from a Redis that is down; keep shutdown quick.
      disconnectTimeout: 500,
    });
    this.redis.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
    this.limiter = new RateLimiterRedis({
      storeClient: this.redis,
      keyPrefix: `${config.scim.redisKeyPrefix}scim-rate`,
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

  /**
   * Waits (briefly) for Redis before the server takes requests: while the
   * client connects, commands fail fast and would be counted by this
   * instance's memory limiter only, so the shared limit would leak.
   */
  async onModuleInit(): Promise<void> {
    const redis = this.redis;
    if (!redis || redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        redis.off('ready', done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.logger.warn(`Redis is not ready after ${REDIS_READY_TIMEOUT_MS} ms; counting in memory until it is.`);
        done();
      }, REDIS_READY_TIMEOUT_MS);
      redis.once('ready', done);
    });
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
