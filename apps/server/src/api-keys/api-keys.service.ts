import type { ApiKeyView, CreatedApiKeyView } from '@app/api-types';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, IsNull, Repository } from 'typeorm';
import { badRequest, conflict, forbidden, notFound, unauthorized } from '../common/app-error';
import { Clock } from '../common/clock';
import { toDate, toDbDate } from '../common/db-values';
import { parseId } from '../common/ids';
import { Organization } from '../organizations/organization.entity';
import { OrganizationsService } from '../organizations/organizations.service';
import { ApiKey, ApiKeyType } from './api-key.entity';
import { generateKey, hashKey, maskKey, parseKey } from './api-key.format';

export const KEY_TYPE_NAMES: Record<ApiKeyType, string> = { api: 'Torii API', scim: 'Torii SCIM' };

export interface NewApiKey {
  type: ApiKeyType;
  description?: string | null;
  /** `YYYY-MM-DD` (00:00:00 UTC of that day) or a full ISO-8601 timestamp. */
  expiresAt?: string | null;
}

/** A key as other modules see it (never the hash). */
export interface ApiKeyDetails {
  id: number;
  organizationId: number;
  type: ApiKeyType;
  description: string | null;
  maskedKey: string;
  createdAt: Date;
  expiresAt: Date | null;
  deleted: boolean;
}

/** Who is calling: set on the request by the ApiKeyGuard. */
export interface AuthContext {
  keyId: number;
  organizationId: number;
  type: ApiKeyType;
  expiresAt: Date | null;
}

interface VerifiedKey {
  id: number;
  organizationId: number;
  type: ApiKeyType;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  scimEnabled: boolean;
}

const LAST_USED_RESOLUTION_MS = 60_000;

@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger('ApiKeys');
  /** Verified keys by hash, for API_KEY_CACHE_TTL_MS; deletes and the SCIM toggle evict at once. */
  private readonly cache = new Map<string, { key: VerifiedKey; until: number }>();

  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    private readonly dataSource: DataSource,
    private readonly organizations: OrganizationsService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Generates a key. `manager` lets onboarding create the first key in its
   * own transaction. A SCIM key needs SCIM enabled for the organization.
   */
  async create(organizationId: number, input: NewApiKey, manager: EntityManager = this.keys.manager): Promise<CreatedApiKeyView> {
    const now = this.clock.now();
    const expiresAt = input.expiresAt ? parseExpiry(input.expiresAt, now) : null;
    if (input.type === 'scim') {
      if (!(await this.organizations.isScimEnabled(organizationId, manager))) {
        throw conflict(
          'SCIM is turned off for this organization; enable it in Settings > Security first, then generate the Torii SCIM key.',
        );
      }
    }
    const key = generateKey(input.type);
    const row = await manager.save(
      manager.create(ApiKey, {
        organizationId,
        type: input.type,
        description: input.description?.trim() || null,
        keyHash: hashKey(key),
        keyLast4: key.slice(-4),
        createdAt: now,
        expiresAt,
        lastUsedAt: null,
        deletedAt: null,
      }),
    );
    return { ...this.toView(row), key };
  }

  /** For the operator CLI: the organization is named by the operator, so check it exists first. */
  async createForOrganization(organizationId: number, input: NewApiKey): Promise<CreatedApiKeyView> {
    await this.organizations.get(organizationId);
    return this.create(organizationId, input);
  }

  async list(organizationId: number): Promise<ApiKeyView[]> {
    const rows = await this.keys.find({ where: { organizationId, deletedAt: IsNull() }, order: { id: 'ASC' } });
    return rows.map((row) => this.toView(row));
  }

  async get(organizationId: number, rawId: string): Promise<ApiKeyView> {
    return this.toView(await this.find(organizationId, rawId));
  }

  /** Only the description can change: the expiration is fixed at creation (rotate instead). */
  async update(
    organizationId: number,
    rawId: string,
    changes: { description?: string | null; expiresAt?: unknown },
  ): Promise<ApiKeyView> {
    const row = await this.find(organizationId, rawId);
    if (changes.expiresAt !== undefined) {
      throw badRequest(
        'The expiration of a key cannot be changed after creation. To rotate: generate a new key, replace it in your identity provider, then delete this one.',
        'mutability',
        [{ field: 'expiresAt', message: 'expiresAt cannot be changed after creation; rotate the key instead' }],
      );
    }
    if (changes.description === undefined) return this.toView(row);
    row.description = changes.description?.trim() || null;
    await this.keys.update({ id: row.id }, { description: row.description });
    return this.toView(row);
  }

  /** Soft-deletes; the key is refused from the moment this returns (on this instance at once, elsewhere within the cache TTL). */
  async delete(organizationId: number, rawId: string): Promise<void> {
    const row = await this.find(organizationId, rawId);
    await this.keys.update({ id: row.id, deletedAt: IsNull() }, { deletedAt: this.clock.now() });
    this.cache.delete(row.keyHash);
  }

  /** Forget cached verifications of an organization's keys (SCIM toggled). */
  evictOrganization(organizationId: number): void {
    for (const [hash, entry] of this.cache) if (entry.key.organizationId === organizationId) this.cache.delete(hash);
  }

  /**
   * Verifies a bearer token for an API of `required` type. Costs no database
   * access for a malformed or mistyped key, and at most one indexed read
   * (hash → key + organization) otherwise; lastUsedAt is written at most once
   * a minute per key, off the request path.
   */
  async authenticate(authorization: string | undefined, required: ApiKeyType): Promise<AuthContext> {
    const token = bearerToken(authorization);
    if (!token) {
      throw unauthorized(`Send the ${KEY_TYPE_NAMES[required]} key as "Authorization: Bearer <key>".`);
    }
    const type = parseKey(token);
    if (!type) {
      throw unauthorized(
        `The key is not a valid Torii key (mistyped or cut short?); copy the whole key again or generate a new one.`,
      );
    }
    const hash = hashKey(token);
    const key = await this.lookup(hash);
    if (!key)
      throw unauthorized(
        'The key is not recognised: it was deleted or never existed. Generate a new key in Settings > API Access.',
      );
    const now = this.clock.now();
    if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) {
      throw unauthorized(
        `The key expired at ${key.expiresAt.toISOString()}. Generate a new key in Settings > API Access and replace it.`,
      );
    }
    if (key.type !== required) {
      throw forbidden(
        `This is a ${KEY_TYPE_NAMES[key.type]} key; this API needs a ${KEY_TYPE_NAMES[required]} key (generate one in Settings > API Access).`,
      );
    }
    if (required === 'scim' && !key.scimEnabled) {
      throw forbidden('SCIM is turned off for this organization; an Admin can turn it on in Settings > Security.');
    }
    this.touch(key, now);
    return { keyId: key.id, organizationId: key.organizationId, type: key.type, expiresAt: key.expiresAt };
  }

  /** Live keys (not deleted, not yet expired) that expire at or before `until`: the reminder job's candidates. */
  async expiringBetween(now: Date, until: Date): Promise<ApiKeyDetails[]> {
    const rows = await this.keys
      .createQueryBuilder('k')
      .where('k.deleted_at IS NULL')
      .andWhere('k.expires_at > :now AND k.expires_at <= :until', { now, until })
      .orderBy('k.id', 'ASC')
      .getMany();
    return rows.map((row) => this.details(row));
  }

  /** A key by id whatever its state (deleted too), for the reminder job's re-check before sending. */
  async findDetails(id: number): Promise<ApiKeyDetails | null> {
    return (await this.findDetailsMany([id])).get(id) ?? null;
  }

  /** Keys by id whatever their state, in one query (the notifications list). */
  async findDetailsMany(ids: number[]): Promise<Map<number, ApiKeyDetails>> {
    const rows = ids.length ? await this.keys.findBy({ id: In(ids) }) : [];
    return new Map(rows.map((row) => [row.id, this.details(row)]));
  }

  private details(row: ApiKey): ApiKeyDetails {
    return {
      id: row.id,
      organizationId: row.organizationId,
      type: row.type,
      description: row.description,
      maskedKey: maskKey(row.type, row.keyLast4),
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
      deleted: row.deletedAt !== null,
    };
  }

  toView(row: ApiKey): ApiKeyView {
    const expired = row.expiresAt !== null && row.expiresAt.getTime() <= this.clock.now().getTime();
    return {
      id: String(row.id),
      type: row.type,
      description: row.description,
      createdAt: row.createdAt.toISOString(),
      expiresAt: row.expiresAt?.toISOString() ?? null,
      lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
      status: expired ? 'expired' : 'active',
      maskedKey: maskKey(row.type, row.keyLast4),
    };
  }

  private async lookup(hash: string): Promise<VerifiedKey | null> {
    const ttl = this.config.apiKeys.cacheTtlMs;
    const cached = ttl > 0 ? this.cache.get(hash) : undefined;
    if (cached && cached.until > Date.now()) return cached.key;
    const row = await this.keys
      .createQueryBuilder('k')
      .innerJoin(Organization, 'o', 'o.id = k.organization_id')
      .select([
        'k.id AS id',
        'k.organization_id AS organizationId',
        'k.type AS type',
        'k.expires_at AS expiresAt',
        'k.last_used_at AS lastUsedAt',
        'o.scim_enabled AS scimEnabled',
      ])
      .where('k.key_hash = :hash', { hash })
      .andWhere('k.deleted_at IS NULL')
      .getRawOne<{
        id: number;
        organizationId: number;
        type: ApiKeyType;
        expiresAt: Date | string | null;
        lastUsedAt: Date | string | null;
        scimEnabled: number | boolean;
      }>();
    if (!row) {
      this.cache.delete(hash);
      return null;
    }
    const key: VerifiedKey = {
      id: Number(row.id),
      organizationId: Number(row.organizationId),
      type: row.type,
      expiresAt: toDate(row.expiresAt),
      lastUsedAt: toDate(row.lastUsedAt),
      scimEnabled: Boolean(Number(row.scimEnabled)),
    };
    if (ttl > 0) this.cache.set(hash, { key, until: Date.now() + ttl });
    return key;
  }

  /** Records use at most once a minute per key; a conditional update keeps instances from racing. */
  private touch(key: VerifiedKey, now: Date): void {
    if (key.lastUsedAt && now.getTime() - key.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
    key.lastUsedAt = now;
    const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
    this.dataSource
      .query('UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)', [
        toDbDate(now),
        key.id,
        toDbDate(staleBefore),
      ])
      .catch((error: unknown) => this.logger.warn({ err: error, keyId: key.id }, 'Could not record key use'));
  }

  private async find(organizationId: number, rawId: string): Promise<ApiKey> {
    const id = parseId(rawId, 'API key');
    const row = await this.keys.findOneBy({ id, organizationId, deletedAt: IsNull() });
    if (!row) throw notFound(`No API key with id ${JSON.stringify(rawId)} in this organization.`);
    return row;
  }
}

function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? match[1] : null;
}

/** `YYYY-MM-DD` is 00:00:00 UTC of that day; a full ISO-8601 timestamp is taken as is; it must be in the future. */
export function parseExpiry(raw: string, now: Date): Date {
  const field = [{ field: 'expiresAt', message: '' }];
  let date: Date;
  if (/^\d{4}-\d{2}-\d{2}$/.test(raw)) {
    date = new Date(`${raw}T00:00:00.000Z`);
    if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== raw) date = new Date(NaN);
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i.test(raw)) {
    date = new Date(raw);
  } else {
    date = new Date(NaN);
  }
  if (Number.isNaN(date.getTime())) {
    field[0].message = 'expiresAt must be a date (YYYY-MM-DD) or an ISO-8601 timestamp with a time zone';
    throw badRequest(`${field[0].message}; got ${JSON.stringify(raw)}.`, 'invalidValue', field);
  }
  if (date.getTime() <= now.getTime()) {
    field[0].message = 'expiresAt must be in the future';
    throw badRequest(`expiresAt must be in the future; ${date.toISOString()} has already passed.`, 'invalidValue', field);
  }
  if (date.getUTCFullYear() > 9999) {
    field[0].message = 'expiresAt is too far in the future';
    throw badRequest('expiresAt is too far in the future.', 'invalidValue', field);
  }
  return date;
}
