import { APP_CONFIG, AppConfig } from '@app/config';
import { BoundedMap } from '@app/database';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import Redis from 'ioredis';
import {
  BurstyRateLimiter,
  RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { AppError, tooManyRequests } from '../common/app-error';

const REDIS_READY_TIMEOUT_MS = 2000;
/** SCIM_RATE_LIMIT_BURST is the number of requests past the minute's limit a key may make in this window. */
export const BURST_WINDOW_SECONDS = 600;

/** What consume() needs of a limiter: BurstyRateLimiter is not a RateLimiterAbstract. */
type Limiter = Pick<RateLimiterAbstract, 'consume'>;

/**
 * Buckets (keys counted) kept in memory per limiter, when counting in memory (no Redis, or Redis
 * down). A bucket lives for its window (a minute; the burst's 10 minutes), so this is the number of
 * keys that may send requests to one instance within a window: 10,000 organizations with a SCIM key
 * each (two while one rotates) stay within it. A bucket takes ~480 bytes with its timer (measured):
 * ~10 MB per limiter at the bound.
 *
 * At the bound the bucket dropped is one not counted since eviction last passed it (BoundedMap's
 * second chance), and not one that has used up its window (a key being refused keeps its count):
 * an idle key's, below its limit. Its key then starts a fresh window when it comes back, at most a
 * window early. Dropping one takes a whole bound's worth of other keys sending within the window,
 * each with a full limit of its own, so no client gains more that way than those keys give it.
 */
export const RATE_LIMIT_MAX_BUCKETS = 20_000;

/** rate-limiter-flexible's in-memory store: a Map of records, each with the timer that deletes it at the window's end. */
interface MemoryStore {
  _storage: Map<string, MemoryRecord> | BoundedMap<string, MemoryRecord>;
}
/** A bucket: the points its key has consumed in the window, and the timer that deletes it at the window's end. */
interface MemoryRecord {
  value: number;
  timeoutId?: NodeJS.Timeout;
}

/**
 * The per-key rate limit (SCIM_RATE_LIMIT_PER_MINUTE, 1,500 by default; 0 turns it off): every
 * SCIM request of a key counts, and so does every refused request of a recognised key (a Torii API
 * key sent to SCIM, a SCIM key while SCIM is off or sent to the admin API), so that a flood of
 * refusals meets a 429 like any other flood. Past the minute's limit a key may draw on a burst
 * (SCIM_RATE_LIMIT_BURST requests per BURST_WINDOW_SECONDS, rate-limiter-flexible's
 * BurstyRateLimiter) before it is refused: an identity provider's first sync runs above its usual
 * rate for a few minutes. docs/decisions.md says why these figures.
 *
 * Counters live in Redis when REDIS_URL is set, so the limit holds across instances; otherwise in
 * memory. If Redis is unreachable, each limiter's in-memory insurance takes over rather than
 * refusing provisioning. Keys are `<REDIS_KEY_PREFIX>scim-rate:<key id>` and
 * `<REDIS_KEY_PREFIX>scim-rate-burst:<key id>`.
 */
@Injectable()
export class KeyRateLimit implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('RateLimit');
  private readonly limiter: Limiter | null = null;
  private readonly redis: Redis | null = null;
  private readonly perMinute: number;
  private readonly burst: number;
  private readonly memoryBuckets: Array<{ readonly size: number }> = [];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.perMinute = config.scim.rateLimitPerMinute;
    this.burst = config.scim.rateLimitBurst;
    if (this.perMinute === 0) return;
    const minute = { points: this.perMinute, duration: 60 };
    const burst = { points: this.burst, duration: BURST_WINDOW_SECONDS };
    const memory = (keyPrefix: string, options: typeof minute) =>
      this.bounded(new RateLimiterMemory({ keyPrefix, ...options }), options.points);
    const limiters = (make: (keyPrefix: string, options: typeof minute) => RateLimiterAbstract): Limiter => {
      const main = make('scim-rate', minute);
      return this.burst > 0 ? new BurstyRateLimiter(main, make('scim-rate-burst', burst)) : main;
    };
    if (!config.scim.redisUrl) {
      this.limiter = limiters(memory);
      return;
    }
    const redis = new Redis(config.scim.redisUrl, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: false,
      // ioredis keeps a timer this long after disconnecting from a Redis that is down; keep shutdown quick.
      disconnectTimeout: 500,
    });
    redis.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
    this.redis = redis;
    this.limiter = limiters(
      (keyPrefix, options) =>
        new RateLimiterRedis({
          storeClient: redis,
          keyPrefix: `${config.scim.redisKeyPrefix}${keyPrefix}`,
          ...options,
          insuranceLimiter: memory(keyPrefix, options),
        }),
    );
  }

  /**
   * Counts one request of the key and sets the RateLimit headers (the minute's quota: past it, a
   * request the burst carries shows 0 remaining). Throws the 429, with Retry-After, once the minute
   * and the burst are used up. `refusal`: the request is refused anyway (wrong key type, SCIM off);
   * the 429 then also says why, so that the person reading it fixes the cause, not the rate.
   */
  async consume(keyId: number, reply: FastifyReply, refusal?: AppError): Promise<void> {
    if (!this.limiter) return;
    try {
      setHeaders(reply, this.perMinute, await this.limiter.consume(String(keyId)));
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      setHeaders(reply, this.perMinute, rejection);
      const seconds = retryAfterSeconds(rejection);
      const limit = `the limit is ${this.perMinute.toLocaleString('en-US')} a minute${
        this.burst > 0 ? ` (and ${this.burst.toLocaleString('en-US')} more in ${BURST_WINDOW_SECONDS / 60} minutes)` : ''
      }`;
      throw tooManyRequests(
        refusal
          ? `Too many requests for this key: ${limit}, refused requests included. Retry after ${seconds} s; they are refused in any case: ${refusal.message}`
          : `Too many requests for this SCIM key: ${limit}. Retry after ${seconds} s.`,
        seconds,
      );
    }
  }

  /** Buckets each in-memory limiter holds now (read-only, for the bounds' tests). */
  get bucketsKept(): number[] {
    return this.memoryBuckets.map((buckets) => buckets.size);
  }

  /** The limiter with its store bounded to RATE_LIMIT_MAX_BUCKETS (the library's own Map is unbounded). */
  private bounded(limiter: RateLimiterMemory, points: number): RateLimiterMemory {
    const store = (limiter as unknown as { _memoryStorage?: MemoryStore })._memoryStorage;
    if (!(store?._storage instanceof Map)) {
      throw new Error("rate-limiter-flexible's in-memory store is not the Map this server bounds; check RATE_LIMIT_MAX_BUCKETS.");
    }
    const buckets = new BoundedMap<string, MemoryRecord>({
      maxEntries: RATE_LIMIT_MAX_BUCKETS,
      // A key that has used up its window keeps its count: dropping it is what would let it through.
      spare: (_key, record) => record.value >= points,
      // The record's timer would delete the key later, and with it a newer record of the same key.
      onEvict: (_key, record) => clearTimeout(record.timeoutId),
    });
    store._storage = buckets;
    this.memoryBuckets.push(buckets);
    return limiter;
  }

  /**
   * Waits (briefly) for Redis before the server takes requests: while the client connects,
   * commands fail fast and would be counted by this instance's memory limiter only, so the shared
   * limit would leak.
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

  onModuleDestroy(): void {
    this.redis?.disconnect();
  }
}

/** Whole seconds, at least 1: Retry-After is an integer (RFC 9110 §10.2.3) and 0 would invite a retry loop. */
function retryAfterSeconds(result: RateLimiterRes): number {
  return Math.max(1, Math.ceil(result.msBeforeNext / 1000));
}

function setHeaders(reply: FastifyReply, limit: number, result: RateLimiterRes): void {
  void reply.header('ratelimit-limit', String(limit));
  void reply.header('ratelimit-remaining', String(Math.max(0, result.remainingPoints)));
  void reply.header('ratelimit-reset', String(retryAfterSeconds(result)));
}
