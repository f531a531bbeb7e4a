import { APP_CONFIG, AppConfig } from '@app/config';
import { BoundedMap } from '@app/database';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { API_KEY_DELETED, API_KEY_DESCRIBED, ApiKeyDeletedEvent } from '../api-keys/api-key.events';
import { hashKey, maskKey, parseKey } from '../api-keys/api-key.format';
import type { ApiKeyType } from '../api-keys/api-key.entity';
import { ApiKeysService, KEY_TYPE_NAMES, KeyByHash } from '../api-keys/api-keys.service';
import { AppError, forbidden, unauthorized } from '../common/app-error';
import { Clock } from '../common/clock';
import { SCIM_TOGGLED, ScimToggledEvent } from '../organizations/organization.events';
import type { AuthContext } from './auth.decorators';

/** lastUsedAt is written at most this often per key. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Verified keys cached at most. An entry serves for API_KEY_CACHE_TTL_MS (≤ 1 s), so only keys that
 * send several requests a second to this instance gain from it: a few hundred even when 10,000
 * organizations provision at once. 5,000 keeps them all with room (~2 MB); past it the key least
 * recently read goes (a later request of it reads it again: one indexed read, the same answer).
 */
export const KEY_CACHE_MAX_ENTRIES = 5_000;

/**
 * Verifies the bearer key of a request: format and checksum first (no database access for a
 * mistyped key), then one indexed read by hash, cached per process for API_KEY_CACHE_TTL_MS (at
 * most 1 s). A deleted key and the SCIM switch evict at once on this instance (events from the
 * api-keys and organizations modules); other instances see them within the TTL. Expiry is checked
 * on every request, cached or not. The cache holds at most KEY_CACHE_MAX_ENTRIES keys.
 */
@Injectable()
export class AuthService {
  private readonly logger = new Logger('Auth');
  private readonly ttl: number;
  private readonly cache: BoundedMap<string, KeyByHash>;

  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.ttl = config.apiKeys.cacheTtlMs;
    this.cache = new BoundedMap({ maxEntries: KEY_CACHE_MAX_ENTRIES, maxAgeMs: this.ttl });
  }

  /** Keys cached now (read-only, for the bounds' tests). */
  get cachedKeys(): number {
    return this.cache.size;
  }

  /**
   * Check order: malformed/unknown/deleted → 401; expired → 401 with the instant; wrong type → 403
   * naming the type needed; SCIM off → 403.
   */
  async authenticate(authorization: string | undefined, required: ApiKeyType): Promise<AuthContext> {
    const token = bearerToken(authorization);
    if (!token) {
      throw unauthorized(`Send the ${KEY_TYPE_NAMES[required]} key as "Authorization: Bearer <key>".`);
    }
    if (!parseKey(token)) {
      throw unauthorized(
        `The key is not a valid Torii key (mistyped or cut short?); copy the whole key again or generate a new one.`,
      );
    }
    const key = await this.lookup(hashKey(token));
    if (!key)
      throw unauthorized(
        'The key is not recognised: it was deleted or never existed. Generate a new key in Settings > API Access.',
      );
    const now = this.clock.now();
    const identity = identityOf(key);
    if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) {
      throw new KeyExpiredError(
        unauthorized(
          `The key expired at ${key.expiresAt.toISOString()}. Generate a new key in Settings > API Access and replace it.`,
        ),
        identity,
      );
    }
    if (key.type !== required) {
      throw new KeyRefusedError(
        forbidden(
          `This is a ${KEY_TYPE_NAMES[key.type]} key; this API needs a ${KEY_TYPE_NAMES[required]} key (generate one in Settings > API Access).`,
        ),
        identity,
      );
    }
    if (required === 'scim' && !key.scimEnabled) {
      throw new KeyRefusedError(
        forbidden('SCIM is turned off for this organization; an Admin can turn it on in Settings > Security.'),
        identity,
      );
    }
    this.recordUse(key, now);
    return identity;
  }

  /**
   * The key a request carried, if it is one of ours (deleted keys aside), whatever its type, expiry
   * or the SCIM switch; null otherwise. No side effect (no lastUsedAt, no rate limit): for telling
   * which organization a request that was answered without authentication came from (an expired
   * key's 401, a body the parser refused, a path no route has), so that the organization can see it.
   */
  async identify(authorization: string | undefined): Promise<Omit<AuthContext, 'expiresAt'> | null> {
    const token = bearerToken(authorization);
    if (!token || !parseKey(token)) return null;
    const key = await this.lookup(hashKey(token));
    return key ? identityOf(key) : null;
  }

  @OnEvent(API_KEY_DELETED)
  @OnEvent(API_KEY_DESCRIBED)
  forgetKey(event: ApiKeyDeletedEvent): void {
    this.cache.delete(event.keyHash);
  }

  /** Cached verifications carry the organization's SCIM switch: drop them so a toggle takes effect at once. */
  @OnEvent(SCIM_TOGGLED)
  forgetOrganization(event: ScimToggledEvent): void {
    for (const [hash, key] of [...this.cache]) if (key.organizationId === event.organizationId) this.cache.delete(hash);
  }

  private async lookup(hash: string): Promise<KeyByHash | null> {
    const cached = this.ttl > 0 ? this.cache.get(hash) : undefined;
    if (cached) return cached;
    const key = await this.apiKeys.findLiveByHash(hash);
    if (!key) {
      this.cache.delete(hash);
      return null;
    }
    if (this.ttl > 0) this.cache.set(hash, key);
    return key;
  }

  /** At most once a minute per key, off the request path; the conditional UPDATE keeps instances from racing. */
  private recordUse(key: KeyByHash, now: Date): void {
    if (key.lastUsedAt && now.getTime() - key.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
    key.lastUsedAt = now;
    this.apiKeys
      .recordUse(key.id, now, new Date(now.getTime() - LAST_USED_RESOLUTION_MS))
      .catch((error: unknown) => this.logger.warn({ err: error, keyId: key.id }, 'Could not record key use'));
  }
}

function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? match[1] : null;
}

/** A refusal of a key that was recognised (wrong type, SCIM off): the guard keeps who it was for the audit log. */
export class KeyRefusedError extends AppError {
  constructor(
    refusal: AppError,
    readonly identity: AuthContext,
  ) {
    super(refusal.getStatus(), refusal.message, refusal.scimType);
  }
}

/**
 * An expired key's 401: the key is known, so its organization may see the attempt (the provisioning
 * inspector); unlike a refusal it is not counted against the key's rate limit (see ApiKeyGuard).
 */
export class KeyExpiredError extends AppError {
  constructor(
    refusal: AppError,
    readonly identity: AuthContext,
  ) {
    super(refusal.getStatus(), refusal.message, refusal.scimType);
  }
}

/**
 * The request's AuthContext, built once per verified key and shared by the requests that key
 * makes while it is cached (read-only: nothing writes to request.auth).
 */
const identities = new WeakMap<KeyByHash, AuthContext>();
function identityOf(key: KeyByHash): AuthContext {
  let identity = identities.get(key);
  if (!identity) {
    identity = {
      keyId: key.id,
      organizationId: key.organizationId,
      type: key.type,
      maskedKey: maskKey(key.type, key.keyLast4),
      description: key.description,
      expiresAt: key.expiresAt,
    };
    identities.set(key, identity);
  }
  return identity;
}
