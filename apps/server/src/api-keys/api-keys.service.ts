import type { ApiKeyView, CreatedApiKeyView, KeyPolicyView } from '@app/api-types';
import type { AuditScope } from '../audit/audit-context';
import { TransactionRunner } from '@app/database';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { EntityManager } from 'typeorm';
import { AppError, badRequest, conflict, notFound } from '../common/app-error';
import { Clock } from '../common/clock';
import { parseId } from '../common/ids';
import { AuditService } from '../audit/audit.service';
import { OrganizationsService } from '../organizations/organizations.service';
import { ApiKey, ApiKeyType } from './api-key.entity';
import { API_KEY_DELETED, API_KEY_DESCRIBED, ApiKeyDeletedEvent, ApiKeyDescribedEvent } from './api-key.events';
import { parseExpiry } from './api-key.expiry';
import { firstWindowOpening } from './reminder-windows';
import { generateKey, hashKey, maskKey } from './api-key.format';
import { ApiKeysRepository, KeyByHash } from './api-keys.repository';

const DAY_MS = 24 * 60 * 60 * 1000;

export const KEY_TYPE_NAMES: Record<ApiKeyType, string> = { api: 'Torii API', scim: 'Torii SCIM' };

export interface NewApiKey {
  type: ApiKeyType;
  description?: string | null;
  /** `YYYY-MM-DD` (00:00:00 UTC of that day) or a full ISO-8601 timestamp. */
  expiresAt?: string | null;
  /** The key this one replaces (Rotate). */
  replacesKeyId?: number;
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

/** A key the reminder job must look at, with when it was due (its place in the job's walk). */
export type ReminderDueKey = ApiKeyDetails & { reminderDueAt: Date };

export type { KeyByHash };

/**
 * The key lifecycle: generate (shown once, stored as a hash), list, describe, delete; and the
 * lookups the auth module (by hash) and the reminder job (by expiry) need. Verifying a request's
 * key is the auth module's (auth/auth.service.ts).
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly organizations: OrganizationsService,
    private readonly events: EventEmitter2,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * What a new key's expiration may be (the settings UI bounds its date picker with it), and what it is
   * when nobody chose (the UI proposes it; the first start and the CLI give it).
   */
  policy(): KeyPolicyView {
    return {
      maxLifetimeDays: this.config.apiKeys.maxLifetimeDays || null,
      defaultLifetimeDays: this.config.apiKeys.defaultLifetimeDays,
    };
  }

  /**
   * The default expiration (API_KEY_DEFAULT_LIFETIME_DAYS, 90 days): 00:00 UTC of the day that many days
   * from now, as `YYYY-MM-DD`. For the keys the first start and the CLI generate unless told `--never-expires`,
   * and for the successor of a key that never expires when Rotate is not given one.
   */
  defaultExpiry(): string {
    return new Date(this.clock.now().getTime() + this.config.apiKeys.defaultLifetimeDays * DAY_MS).toISOString().slice(0, 10);
  }

  /**
   * Generates a key. `manager` lets onboarding create the first key in its
   * own transaction. A SCIM key needs SCIM enabled for the organization.
   */
  async create(organizationId: number, input: NewApiKey, scope: AuditScope, manager?: EntityManager): Promise<CreatedApiKeyView> {
    const now = this.clock.now();
    const expiresAt = input.expiresAt ? parseExpiry(input.expiresAt, now) : null;
    const maxDays = this.config.apiKeys.maxLifetimeDays;
    if (expiresAt && maxDays && expiresAt.getTime() > now.getTime() + maxDays * DAY_MS) {
      const latest = new Date(now.getTime() + maxDays * DAY_MS).toISOString().slice(0, 10);
      throw badRequest(
        `expiresAt must be at most ${maxDays} days away (this server's limit); the latest possible is ${latest}. Rotate the key before then instead.`,
        'invalidValue',
        [{ field: 'expiresAt', message: `expiresAt must be at most ${maxDays} days away (${latest} at the latest)` }],
      );
    }
    if (input.type === 'scim') {
      if (!(await this.organizations.isScimEnabled(organizationId, manager))) {
        throw conflict(
          'SCIM is turned off for this organization; enable it in Settings > Security first, then generate the Torii SCIM key.',
        );
      }
    }
    const key = generateKey(input.type);
    const insert = async (tx: EntityManager) => {
      const row = await this.keys.insert(
        {
          organizationId,
          type: input.type,
          description: input.description?.trim() || null,
          keyHash: hashKey(key),
          keyLast4: key.slice(-4),
          createdAt: now,
          expiresAt,
          lastUsedAt: null,
          firstUsedAt: null,
          replacesKeyId: input.replacesKeyId ?? null,
          successorKeyId: null,
          deletedAt: null,
          // The reminder job looks at the key when its first window opens (at once if one is open already).
          reminderDueAt: firstWindowOpening(expiresAt, this.config.reminders.leadTimes, now),
        },
        tx,
      );
      // A rotation: the old key must still be live and have no live successor (the database decides).
      if (row.replacesKeyId !== null && !(await this.keys.claimSuccessor(tx, row.replacesKeyId, row.id, now))) {
        throw new SuccessionRefused();
      }
      // The event names the key by its masked form; the secret never leaves this function but in the response.
      const view = this.toView(row);
      await this.audit.record(tx, scope, {
        organizationId,
        action: 'api-key.created',
        target: targetOf(row),
        changes: [
          { attribute: 'type', to: KEY_TYPE_NAMES[row.type] },
          { attribute: 'description', to: row.description },
          { attribute: 'expiresAt', to: view.expiresAt },
          ...(row.replacesKeyId !== null ? [{ attribute: 'replacesKeyId', to: String(row.replacesKeyId) }] : []),
        ],
        ...(row.replacesKeyId !== null ? { detail: `Generated to replace key ${row.replacesKeyId} (rotation).` } : {}),
      });
      return view;
    };
    const view = await (manager ? insert(manager) : this.transactions.run(insert));
    return { ...view, key };
  }

  /**
   * Rotate: generates the key's successor, shown once: the same type and description, and by
   * default the same lifetime from now (capped by the maximum), or `expiresAt` when given (null:
   * none). A key that never expires gets a successor with the default lifetime unless `expiresAt` is
   * null: never expiring is chosen, not inherited. The old key keeps working until it is deleted; the
   * list shows when the new key was first used and the old one last used, so the switch can be seen
   * before the old key goes.
   */
  async rotate(
    organizationId: number,
    rawId: string,
    body: { expiresAt?: string | null },
    scope: AuditScope,
  ): Promise<CreatedApiKeyView> {
    const old = await this.find(organizationId, rawId);
    let expiresAt = body.expiresAt;
    if (expiresAt === undefined && !old.expiresAt) expiresAt = this.defaultExpiry();
    if (expiresAt === undefined && old.expiresAt) {
      const now = this.clock.now().getTime();
      const lifetime = old.expiresAt.getTime() - old.createdAt.getTime();
      const maxDays = this.config.apiKeys.maxLifetimeDays;
      const days = Math.max(1, Math.ceil(lifetime / DAY_MS));
      expiresAt = new Date(now + Math.min(days, maxDays || days) * DAY_MS).toISOString().slice(0, 10);
      // A date rounds down to 00:00 UTC: keep it inside the maximum.
      if (maxDays && Date.parse(`${expiresAt}T00:00:00Z`) > now + maxDays * DAY_MS)
        expiresAt = new Date(now + (maxDays - 1) * DAY_MS).toISOString().slice(0, 10);
    }
    const successor = { type: old.type, description: old.description, expiresAt: expiresAt ?? null, replacesKeyId: old.id };
    // A refusal read after its transaction may find the successor gone meanwhile: then the rotation is tried again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.create(organizationId, successor, scope);
      } catch (error) {
        if (!(error instanceof SuccessionRefused)) throw error;
        const refusal = await this.rotationRefusal(organizationId, rawId);
        if (refusal) throw refusal;
        if (attempt === 3)
          throw conflict('This key was rotated by another request at the same moment; list the keys, then try again.');
      }
    }
  }

  /**
   * Why a key cannot be rotated now, read after the refused transaction: deleted (404, as an unknown
   * key), or a live successor (409 naming it). Null when neither holds any more.
   */
  private async rotationRefusal(organizationId: number, rawId: string): Promise<AppError | null> {
    const old = await this.keys.findLive(organizationId, parseId(rawId, 'API key'));
    if (!old) return notFound(`No API key with id ${JSON.stringify(rawId)} in this organization.`);
    const successor = old.successorKeyId === null ? null : await this.keys.findLive(organizationId, old.successorKeyId);
    if (!successor || (successor.expiresAt !== null && successor.expiresAt.getTime() <= this.clock.now().getTime())) return null;
    const masked = maskKey(successor.type, successor.keyLast4);
    return conflict(
      `This key already has a successor, ${masked} (id ${successor.id}), generated ${successor.createdAt.toISOString()}: use it, or delete it first to rotate this key again.`,
    );
  }

  /** For the operator CLI: the organization is named by the operator, so check it exists first. */
  async createForOrganization(organizationId: number, input: NewApiKey, scope: AuditScope): Promise<CreatedApiKeyView> {
    await this.organizations.get(organizationId);
    return this.create(organizationId, input, scope);
  }

  async list(organizationId: number): Promise<ApiKeyView[]> {
    return (await this.keys.listLive(organizationId)).map((row) => this.toView(row));
  }

  async get(organizationId: number, rawId: string): Promise<ApiKeyView> {
    return this.toView(await this.find(organizationId, rawId));
  }

  /** Only the description can change: the expiration is fixed at creation (rotate instead). */
  async update(
    organizationId: number,
    rawId: string,
    changes: { description?: string | null; expiresAt?: unknown },
    scope: AuditScope,
  ): Promise<ApiKeyView> {
    const row = await this.find(organizationId, rawId);
    if (changes.expiresAt !== undefined) {
      throw badRequest(
        'The expiration of a key cannot be changed after creation. To rotate: generate a new key, replace it in your identity provider, then delete this one.',
        'mutability',
        [{ field: 'expiresAt', message: 'expiresAt cannot be changed after creation; rotate the key instead' }],
      );
    }
    const description = changes.description === undefined ? row.description : changes.description?.trim() || null;
    if (description === row.description) return this.toView(row);
    await this.transactions.run(async (tx) => {
      await this.keys.updateDescription(tx, row.id, description);
      await this.audit.record(tx, scope, {
        organizationId,
        action: 'api-key.updated',
        target: targetOf(row),
        changes: [{ attribute: 'description', from: row.description, to: description }],
      });
    });
    row.description = description;
    const event: ApiKeyDescribedEvent = { organizationId, keyId: row.id, keyHash: row.keyHash };
    this.events.emit(API_KEY_DESCRIBED, event);
    return this.toView(row);
  }

  /** Soft-deletes; the key is refused from the moment this returns (on this instance at once, elsewhere within the cache TTL). */
  async delete(organizationId: number, rawId: string, scope: AuditScope): Promise<void> {
    const row = await this.find(organizationId, rawId);
    await this.transactions.run(async (tx) => {
      await this.keys.softDelete(tx, row.id, this.clock.now());
      await this.audit.record(tx, scope, { organizationId, action: 'api-key.deleted', target: targetOf(row) });
    });
    const event: ApiKeyDeletedEvent = { organizationId, keyId: row.id, keyHash: row.keyHash };
    this.events.emit(API_KEY_DELETED, event);
  }

  /** The key of this type of the organization used last (deleted keys included), or null. */
  lastUsedId(organizationId: number, type: ApiKeyType): Promise<number | null> {
    return this.keys.lastUsedId(organizationId, type);
  }

  /** When a key of this type of the organization was last used, deleted keys included; null if never. */
  lastUsed(organizationId: number, type: ApiKeyType): Promise<Date | null> {
    return this.keys.lastUsed(organizationId, type);
  }

  /** The live key with this hash (see auth/auth.service.ts), or null. */
  findLiveByHash(hash: string): Promise<KeyByHash | null> {
    return this.keys.findLiveByHash(hash);
  }

  /** Records a use of the key unless one was recorded since `staleBefore` (by this or another instance). */
  recordUse(id: number, now: Date, staleBefore: Date): Promise<void> {
    return this.keys.touchLastUsed(id, now, staleBefore);
  }

  /**
   * Live keys whose reminder look is due at `now` (`reminderDueAt`), in (due, id) order after `after`
   * (the last key of the previous batch): the reminder job's work, read through its index.
   */
  async remindersDue(now: Date, after: { dueAt: Date; id: number } | null, limit: number): Promise<ReminderDueKey[]> {
    return (await this.keys.remindersDue(now, after, limit)).map((row) => ({
      ...details(row),
      reminderDueAt: row.reminderDueAt!,
    }));
  }

  /** When the reminder job looks at the key next (null: never), as it worked out; a deleted key keeps none. */
  scheduleReminder(id: number, at: Date | null): Promise<void> {
    return this.keys.scheduleReminder(id, at);
  }

  /** A key by id whatever its state (deleted too), for the reminder job's re-check before sending. */
  async findDetails(id: number): Promise<ApiKeyDetails | null> {
    return (await this.findDetailsMany([id])).get(id) ?? null;
  }

  /** Keys by id whatever their state, in one query (the notifications list). */
  async findDetailsMany(ids: number[]): Promise<Map<number, ApiKeyDetails>> {
    return new Map((await this.keys.findByIds(ids)).map((row) => [row.id, details(row)]));
  }

  private toView(row: ApiKey): ApiKeyView {
    const expired = row.expiresAt !== null && row.expiresAt.getTime() <= this.clock.now().getTime();
    return {
      id: String(row.id),
      type: row.type,
      description: row.description,
      createdAt: row.createdAt.toISOString(),
      expiresAt: row.expiresAt?.toISOString() ?? null,
      lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
      firstUsedAt: row.firstUsedAt?.toISOString() ?? null,
      replacesKeyId: row.replacesKeyId === null ? null : String(row.replacesKeyId),
      status: expired ? 'expired' : 'active',
      maskedKey: maskKey(row.type, row.keyLast4),
    };
  }

  private async find(organizationId: number, rawId: string): Promise<ApiKey> {
    const row = await this.keys.findLive(organizationId, parseId(rawId, 'API key'));
    if (!row) throw notFound(`No API key with id ${JSON.stringify(rawId)} in this organization.`);
    return row;
  }
}

/** Thrown inside a rotation's transaction when the old key is deleted or has a live successor: it rolls back. */
class SuccessionRefused extends Error {}

function details(row: ApiKey): ApiKeyDetails {
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

/** A key as events name it: its id and its masked form with the description, never the secret. */
function targetOf(row: ApiKey): { type: string; id: number; display: string } {
  const masked = maskKey(row.type, row.keyLast4);
  return { type: 'api-key', id: row.id, display: row.description ? `${masked} (${row.description})` : masked };
}
