import { APP_CONFIG, AppConfig } from '@app/config';
import { BoundedMap, TransactionRunner } from '@app/database';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { retryOnDeadlock } from '../common/db-errors';
import { EntityManager } from 'typeorm';
import type { AuditScope } from '../audit/audit-context';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import type { DeprovisioningChange } from './deprovisioning.entity';
import {
  DeletedUserRow,
  DeprovisioningRow,
  DeprovisioningsRepository,
  IncidentRow,
  IncidentUserRow,
  PriorState,
  WindowAfterCommit,
} from './deprovisionings.repository';

/**
 * How long an organization's count of active users serves the burst check, and for how many organizations
 * at most: only organizations deprovisioning past SAFETY_NET_BURST_THRESHOLD within the window need one,
 * and a thousand doing so at once on one instance is far beyond what a deployment sees; past it, the least
 * recently checked organization counts again.
 */
const ACTIVE_COUNT_TTL_MS = 60_000;
export const ACTIVE_COUNT_MAX_ORGANIZATIONS = 1_000;
/**
 * MySQL/MariaDB: how long an incident this instance saw open spares the organization's SCIM
 * deprovisionings the window's count and read (DeprovisioningService.record), and for how many
 * organizations at most.
 */
const OPEN_INCIDENT_TTL_MS = 1_000;
const OPEN_INCIDENT_MAX_ORGANIZATIONS = 1_000;

/** The user a deactivation or deletion is about, as it was just before. */
export interface DeprovisionedUser extends PriorState {
  id: number;
  organizationId: number;
  /** The groups it is in, when the caller's read in this transaction brought them (SQLite); otherwise they are copied from `group_members`. */
  groupIds?: number[];
}

/**
 * The deprovisioning module's service. It records every deactivation and deletion of a user, in its transaction, with the state it undoes
 * (docs/safety-net.md), and notices bursts: when the users deactivated or deleted through SCIM within
 * DEPROVISION_BURST_WINDOW_MINUTES reach DEPROVISION_BURST_THRESHOLD and DEPROVISION_BURST_PERCENT of
 * the users active when the window began, the change that gets there opens the organization's
 * deprovisioning incident and the window's changes join it; while it is open, every further one does.
 * Nothing is ever refused for it.
 *
 * Cost: a change that is not a SCIM deactivation or deletion costs nothing here. One that is costs one
 * read (the open incident and the window's count, one round trip) and two writes sent with its COMMIT
 * on MySQL; the organization's active users are counted only once a window holds a burst's number of
 * users, and that count is kept a minute per organization.
 *
 * The rest is what other modules read and change of the records and incidents (the safety net's
 * restore, undo and purge, the incident alert, the connection's health), in their words.
 */
@Injectable()
export class DeprovisioningService {
  private readonly logger = new Logger('Deprovisioning');
  private readonly activeCounts = new BoundedMap<number, { at: number; active: number }>({
    maxEntries: ACTIVE_COUNT_MAX_ORGANIZATIONS,
  });
  /** MySQL/MariaDB: the incidents this instance saw open in the last OPEN_INCIDENT_TTL_MS (on the Clock), by organization. */
  /**
   * MySQL/MariaDB: per organization, the settling of a burst running on this instance (settle), and whether
   * another run was asked for meanwhile. An entry lives only while its run does.
   */
  private readonly settling = new Map<number, { again: boolean; done: Promise<void> }>();
  private readonly openSeen = new BoundedMap<number, { id: number; at: number }>({ maxEntries: OPEN_INCIDENT_MAX_ORGANIZATIONS });

  constructor(
    private readonly repository: DeprovisioningsRepository,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Records that `user` is being deactivated or deleted, inside the change's transaction and before the
   * change touches its group memberships (they are copied as they were).
   *
   * On MySQL/MariaDB a check inside the transaction would cost a round trip while the user's row is
   * locked, and could still miss a burst sent over many connections at once (each change counting only
   * those committed before it). So a SCIM change is recorded with its COMMIT without reading first
   * (`insertAtCommit`), and the window is read right after the COMMIT in the same round trip
   * (`committed`): the last of a burst to commit sees the whole burst.
   */
  async record(manager: EntityManager, user: DeprovisionedUser, kind: DeprovisioningChange, scope: AuditScope): Promise<void> {
    const at = this.clock.now();
    const scim = scope.actor.type === 'scim-key';
    const { organizationId } = user;
    const prior = { wasActive: user.wasActive, roleId: user.roleId, ownRoleId: user.ownRoleId, roleGroupId: user.roleGroupId };
    if (scim && this.transactions.commitsWithTail(manager)) {
      // MySQL/MariaDB: nothing read before the COMMIT; the window is read right after it, in its round trip.
      const since = this.windowStart(at);
      const record = { organizationId, userId: user.id, kind, at, actor: scope.actor, prior, groupIds: user.groupIds };
      // In a burst every change joins the incident: while this instance saw it open a moment ago, the
      // change is only recorded (the record still joins the incident by its subquery, or none if it closed).
      if (this.seenOpen(organizationId, at)) return this.repository.insertAtCommit(manager, record, since, false);
      await this.repository.insertAtCommit(manager, record, since, true);
      const seen = this.repository.windowAfterCommit(manager, organizationId, since);
      this.transactions.afterCommit(manager, async () => this.committed(organizationId, at, scope, await seen));
      return;
    }
    const { incidentId, counted } = scim ? await this.burst(manager, user, at, scope) : { incidentId: null, counted: false };
    await this.repository.insert(manager, {
      counted,
      organizationId: user.organizationId,
      userId: user.id,
      kind,
      at,
      actor: scope.actor,
      incidentId,
      prior,
      groupIds: user.groupIds,
    });
  }

  /**
   * The incident this change belongs to: the open one, the one it opens, or none; and whether it counts
   * towards a burst (a user not counted in the window yet, outside any incident).
   */
  private async burst(
    manager: EntityManager,
    user: DeprovisionedUser,
    now: Date,
    scope: AuditScope,
  ): Promise<{ incidentId: number | null; counted: boolean }> {
    const since = this.windowStart(now);
    const window = await this.repository.windowState(manager, user.organizationId, since, user.id);
    if (window.openIncidentId !== null) return { incidentId: window.openIncidentId, counted: false };
    // Active now: this user included (its change is not written yet).
    const count = window.others + (window.userInWindow ? 0 : 1);
    const opened = await this.openIfBurst(manager, user.organizationId, now, count, window.othersWereActive, scope);
    return { incidentId: opened ?? null, counted: !window.userInWindow && (opened ?? null) === null };
  }

  /**
   * MySQL/MariaDB, after a SCIM deprovisioning committed, with the window as its COMMIT left it (read in
   * the same round trip: every commit before it in view, so the last of a burst sent over many
   * connections at once sees the whole burst). Opens the incident the window reached, or, when the
   * change missed one opened meanwhile, puts the window's changes that missed it into it. Below the
   * burst, as every change is until one reaches it, nothing more. Never fails the request: its change
   * is committed, and the next change checks again.
   */
  private async committed(organizationId: number, at: Date, scope: AuditScope, seen: WindowAfterCommit): Promise<void> {
    try {
      if (seen.openIncidentId === null) {
        if ((await this.burstOf(undefined, organizationId, at, seen.users, seen.wereActive)) === null) return;
      } else {
        this.sawOpen(organizationId, seen.openIncidentId, at);
        if (!seen.missed) return;
      }
      await this.settle(organizationId, scope);
    } catch (error) {
      this.logger.error({ err: error }, `Organization ${organizationId}: the burst check after a deprovisioning failed`);
    }
  }

  /**
   * Opens the incident the window reached, or puts the window's changes that missed the open one into
   * it: one transaction at a time per organization on this instance. The changes of a burst that
   * commit together all see it reach the threshold, and each opening the incident in its own
   * transaction deadlocked on the incident's gap (each holds the shared lock the others' INSERT
   * waits for: 21 deadlocks in a 30,000-user bench run) and scanned the whole window again. A change
   * arriving while one runs asks for one more run after it (which sees its record) and waits for it.
   */
  private settle(organizationId: number, scope: AuditScope): Promise<void> {
    const running = this.settling.get(organizationId);
    if (running) {
      running.again = true;
      return running.done;
    }
    const state = { again: false, done: Promise.resolve() };
    state.done = (async () => {
      try {
        do {
          state.again = false;
          await this.settleOnce(organizationId, scope);
        } while (state.again);
      } finally {
        this.settling.delete(organizationId);
      }
    })();
    this.settling.set(organizationId, state);
    return state.done;
  }

  private async settleOnce(organizationId: number, scope: AuditScope): Promise<void> {
    const since = this.windowStart(this.clock.now());
    const open = await retryOnDeadlock(() =>
      this.transactions.run(
        async (manager) => {
          const window = await this.repository.windowState(manager, organizationId, since, 0);
          if (window.openIncidentId !== null) {
            await this.repository.attachWindow(manager, organizationId, window.openIncidentId, since);
            return window.openIncidentId;
          }
          const now = this.clock.now();
          return this.openIfBurst(manager, organizationId, now, window.others, window.othersWereActive, scope);
        },
        { organizationId },
      ),
    );
    if (open) this.sawOpen(organizationId, open, this.clock.now());
  }

  /**
   * Opens the organization's incident when `count` users deprovisioned through SCIM in the window reach
   * the burst (DEPROVISION_BURST_THRESHOLD, and DEPROVISION_BURST_PERCENT of those active when it
   * began: active now, and those the window's changes deprovisioned while active), and puts the
   * window's changes in it. Returns the open incident (this one, or one another transaction opened
   * first), or undefined below the burst.
   */
  private async openIfBurst(
    manager: EntityManager,
    organizationId: number,
    now: Date,
    count: number,
    othersWereActive: number,
    scope: AuditScope,
  ): Promise<number | null | undefined> {
    const { burstWindowMinutes } = this.config.safetyNet;
    const activeAtStart = await this.burstOf(manager, organizationId, now, count, othersWereActive);
    if (activeAtStart === null) return undefined;
    const since = this.windowStart(now);
    const keyId = scope.actor.type === 'scim-key' ? scope.actor.keyId : null;
    const opened = await this.repository.openIncident(manager, organizationId, now, keyId);
    if (opened === null) return this.repository.openIncidentId(manager, organizationId);
    await this.repository.attachWindow(manager, organizationId, opened, since);
    this.activeCounts.delete(organizationId);
    await this.audit.record(manager, scope, {
      organizationId,
      action: 'deprovisioning-incident.opened',
      target: { type: 'deprovisioning-incident', id: opened, display: `Deprovisioning incident ${opened}` },
      detail: `${count} users were deactivated or deleted through SCIM within ${burstWindowMinutes} minutes (of ${activeAtStart} active users); the requests succeeded, and the Admins are being emailed. Undo or dismiss it in Settings.`,
    });
    this.logger.warn(
      `Organization ${organizationId}: deprovisioning incident ${opened} opened (${count} users within ${burstWindowMinutes} min)`,
    );
    return opened;
  }

  /** Whether this instance saw the organization's incident open within OPEN_INCIDENT_TTL_MS of `now`. */
  private seenOpen(organizationId: number, now: Date): boolean {
    const seen = this.openSeen.get(organizationId);
    return seen !== undefined && now.getTime() - seen.at < OPEN_INCIDENT_TTL_MS;
  }

  private sawOpen(organizationId: number, id: number, at: Date): void {
    this.openSeen.set(organizationId, { id, at: at.getTime() });
  }

  private windowStart(now: Date): Date {
    return new Date(now.getTime() - this.config.safetyNet.burstWindowMinutes * 60_000);
  }

  /**
   * Whether `count` users deprovisioned in the window make a burst (the threshold, and the share of the
   * users active when the window began): those active users when it does, null when it does not.
   */
  private async burstOf(
    manager: EntityManager | undefined,
    organizationId: number,
    now: Date,
    count: number,
    othersWereActive: number,
  ): Promise<number | null> {
    const { burstThreshold, burstPercent } = this.config.safetyNet;
    if (count < burstThreshold) return null;
    const activeAtStart = (await this.activeUsers(manager, organizationId, now)) + othersWereActive;
    return count * 100 >= burstPercent * activeAtStart ? activeAtStart : null;
  }

  /** The organization's active users, counted at most once a minute (a large organization's burst check would count it on every change). */
  private async activeUsers(manager: EntityManager | undefined, organizationId: number, now: Date): Promise<number> {
    const kept = this.activeCounts.get(organizationId);
    if (kept && now.getTime() - kept.at < ACTIVE_COUNT_TTL_MS) return kept.active;
    const active = await this.repository.activeUsers(organizationId, manager);
    this.activeCounts.set(organizationId, { at: now.getTime(), active });
    return active;
  }

  /** Organizations whose active count is kept now (read-only, for the bounds' tests). */
  get activeCountsKept(): number {
    return this.activeCounts.size;
  }

  /** A page of the organization's deleted users, most recently deleted first (DeprovisioningsRepository.deletedUsers). */
  deletedUsers(
    organizationId: number,
    beforeRecordId: number,
    size: number,
  ): Promise<Array<DeletedUserRow & { recordId: number }>> {
    return this.repository.deletedUsers(organizationId, beforeRecordId, size);
  }

  /** A user's latest deletion, with the state and groups a restore puts back. */
  latestDeletion(manager: EntityManager, userId: number): Promise<DeprovisioningRow | null> {
    return this.repository.latestDeletion(manager, userId);
  }

  /** An organization's incidents, newest first. */
  incidents(organizationId: number, limit: number): Promise<IncidentRow[]> {
    return this.repository.incidents(organizationId, limit);
  }

  /** One incident of the organization; `lock` (inside `manager`'s transaction) for an undo or a dismissal. */
  incident(organizationId: number, id: number, manager?: EntityManager, lock = false): Promise<IncidentRow | null> {
    return this.repository.incident(organizationId, id, manager, lock);
  }

  /** The users of these incidents, each once with its latest change in it, in the order they first changed. */
  async incidentUsers(incidentIds: readonly number[], manager?: EntityManager): Promise<Map<number, IncidentUserRow[]>> {
    const latest = new Map<number, Map<number, IncidentUserRow>>();
    for (const change of await this.repository.incidentUsers(incidentIds, manager)) {
      const users = latest.get(change.incidentId) ?? new Map<number, IncidentUserRow>();
      users.set(change.userId, change);
      latest.set(change.incidentId, users);
    }
    return new Map([...latest].map(([id, users]) => [id, [...users.values()]]));
  }

  /** Each user's first change in the incident: the state its undo puts back. */
  firstChanges(manager: EntityManager, incidentId: number): Promise<DeprovisioningRow[]> {
    return this.repository.firstChanges(manager, incidentId);
  }

  /** Closes an open incident; false when it was not open. */
  closeIncident(manager: EntityManager, id: number, status: 'undone' | 'dismissed', scope: AuditScope): Promise<boolean> {
    // This instance counts the organization's deprovisionings again at once (others within OPEN_INCIDENT_TTL_MS).
    const seenBy = [...this.openSeen].filter(([, seen]) => seen.id === id).map(([organizationId]) => organizationId);
    for (const organizationId of seenBy) this.openSeen.delete(organizationId);
    return this.repository.closeIncident(manager, id, status, scope.actor, this.clock.now());
  }

  /** The organization's open incident, summed up (the connection's health shows it). */
  openIncident(organizationId: number): Promise<{ id: number; openedAt: Date; lastAt: Date; count: number } | null> {
    return this.repository.openSummary(organizationId);
  }

  /** Incidents whose alert is not in the outbox yet. */
  alertsDue(limit: number): Promise<number[]> {
    return this.repository.alertsDue(limit);
  }

  /** Claims an incident's alert for this transaction (one instance wins); its organization and key. */
  claimAlert(manager: EntityManager, id: number): Promise<{ organizationId: number; keyId: number | null } | null> {
    return this.repository.claimAlert(manager, id);
  }

  /** Records at or before the retention's start, oldest first, with their users' state (the purge's walk). */
  dueForPurge(
    before: Date,
    limit: number,
  ): Promise<Array<{ id: number; userId: number; organizationId: number; userName: string; deletedAt: Date | null }>> {
    return this.repository.due(before, limit);
  }

  /** Removes a user deleted at or before `before` for good; false when it is not (restored, or purged by another instance). */
  purgeUser(manager: EntityManager, userId: number, before: Date): Promise<boolean> {
    return this.repository.purgeUser(manager, userId, before);
  }

  /** Deletes records nothing undoes any more. */
  deleteRecords(ids: readonly number[]): Promise<void> {
    return this.repository.deleteRecords(ids);
  }

  /** Deletes the per-minute counts no window reaches any more (older than a day past the window). */
  pruneCounts(now: Date): Promise<void> {
    return this.repository.pruneMinutes(new Date(this.windowStart(now).getTime() - 86_400_000));
  }
}
