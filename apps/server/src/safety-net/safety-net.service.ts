import type {
  AuditActorView,
  DeletedUserPage,
  DeprovisioningIncidentList,
  DeprovisioningIncidentView,
  IncidentUndoResult,
  UserView,
} from '@app/api-types';
import { APP_CONFIG, AppConfig } from '@app/config';
import { TransactionRunner } from '@app/database';
import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { AuditActor, AuditScope } from '../audit/audit-context';
import { AuditService } from '../audit/audit.service';
import { conflict, notFound } from '../common/app-error';
import { Clock } from '../common/clock';
import { DEFAULT_PAGE_SIZE } from '../common/cursor';
import { retryOnDeadlock } from '../common/db-errors';
import { parseId } from '../common/ids';
import { AdminCursors } from '../cursors/admin-cursors';
import type { DeprovisioningRow, IncidentRow } from '../deprovisioning/deprovisionings.repository';
import { DeprovisioningService } from '../deprovisioning/deprovisioning.service';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { GroupsService } from '../groups/groups.service';
import { OrganizationsService } from '../organizations/organizations.service';
import { UserProvisioningService } from '../users/user-provisioning.service';
import { UserRolesService } from '../users/user-roles.service';
import { UsersService } from '../users/users.service';

/** Incidents listed at most (newest first); older ones stay in the audit log. */
const INCIDENTS_LISTED = 50;
const DAY_MS = 86_400_000;

/**
 * Getting deprovisioned users back (docs/safety-net.md): the deleted users and their restore, the
 * deprovisioning incidents and their undo or dismissal. A restore or an undo is one transaction under
 * the organization's lock: users put back (UserProvisioningService.restoreState), then their groups
 * (GroupsService.restoreMemberships, which settles the roles from the mappings in force), with audit
 * events, and never leaving the organization without an active Admin.
 */
@Injectable()
export class SafetyNetService {
  constructor(
    private readonly deprovisionings: DeprovisioningService,
    private readonly provisioning: UserProvisioningService,
    private readonly userRoles: UserRolesService,
    private readonly users: UsersService,
    private readonly groups: GroupsService,
    private readonly organizations: OrganizationsService,
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly cursors: AdminCursors,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async deletedUsers(organizationId: number, page: { size?: number; cursor?: string }): Promise<DeletedUserPage> {
    const size = page.size ?? DEFAULT_PAGE_SIZE;
    const before = this.cursors.decode('deleted-users', organizationId, page.cursor);
    const rows = await this.deprovisionings.deletedUsers(organizationId, before, size);
    const shown = rows.slice(0, size);
    const retention = this.config.safetyNet.retentionDays * DAY_MS;
    return {
      users: shown.map((r) => ({
        id: String(r.id),
        userName: r.userName,
        displayName: r.displayName,
        deletedAt: r.deletedAt.toISOString(),
        deletedBy: actorView(r.deletedBy),
        purgeAt: new Date(r.deletedAt.getTime() + retention).toISOString(),
      })),
      count: shown.length,
      nextCursor:
        rows.length > size ? this.cursors.encode('deleted-users', organizationId, shown[shown.length - 1].recordId) : null,
    };
  }

  /** Restores one deleted user: same id, attributes, own role, state, and its groups that still exist. */
  async restore(organizationId: number, rawId: string, scope: AuditScope): Promise<UserView> {
    const userId = parseId(rawId, 'user');
    const missing = () =>
      notFound(
        `No deleted user with id ${JSON.stringify(rawId)} in this organization (it may have been purged, or never deleted).`,
      );
    await this.inTransaction(organizationId, async (manager) => {
      await this.organizations.lock(manager, organizationId);
      const deletion = await this.deprovisionings.latestDeletion(manager, userId);
      if (!deletion) throw missing();
      const result = await this.provisioning.restoreState(manager, organizationId, userId, deletion, scope, {
        deletedOnly: true,
      });
      if (result.outcome === 'gone') throw missing();
      if (result.outcome === 'taken')
        throw conflict(
          `A user with userName "${result.userName}" already exists in this organization; delete or rename that user first, then restore this one.`,
        );
      await this.groups.restoreMemberships(manager, organizationId, new Map([[userId, deletion.groupIds]]), scope);
    });
    return this.users.get(organizationId, String(userId));
  }

  async incidents(organizationId: number): Promise<DeprovisioningIncidentList> {
    const rows = await this.deprovisionings.incidents(organizationId, INCIDENTS_LISTED);
    return { incidents: await this.views(rows) };
  }

  /**
   * Undo: every user of the incident back to its state just before its first change in it (active,
   * role, groups; deleted users restored), whatever happened to it since; a user whose userName a new
   * user holds, or purged, is reported instead. One transaction; 409 when the incident is not open.
   */
  async undo(organizationId: number, rawId: string, scope: AuditScope): Promise<IncidentUndoResult> {
    const incidentId = parseId(rawId, 'incident');
    const result = await this.inTransaction(organizationId, async (manager) => {
      await this.openIncident(manager, organizationId, incidentId, rawId, 'undone');
      const firsts = await this.deprovisionings.firstChanges(manager, incidentId);
      const restored: IncidentUndoResult['restored'] = [];
      const notRestored: IncidentUndoResult['notRestored'] = [];
      const groups = new Map<number, number[]>();
      for (const first of firsts) {
        const outcome = await this.provisioning.restoreState(manager, organizationId, first.userId, first, scope);
        if (outcome.outcome === 'restored') {
          restored.push({ id: String(first.userId), userName: outcome.userName! });
          groups.set(first.userId, first.groupIds);
        } else notRestored.push(notRestoredOf(first, outcome));
      }
      await this.groups.restoreMemberships(manager, organizationId, groups, scope);
      await this.userRoles.requireActiveAdmin(manager, organizationId, 'This undo');
      await this.close(manager, organizationId, incidentId, 'undone', scope, {
        detail: `${restored.length} user${restored.length === 1 ? '' : 's'} restored to their state before the incident${notRestored.length ? `; ${notRestored.length} not restored` : ''}.`,
      });
      return { restored, notRestored };
    });
    const [incident] = await this.views([(await this.deprovisionings.incident(organizationId, incidentId))!]);
    return { incident, ...result };
  }

  /** Dismiss: closes the incident without changing anyone. 409 when it is not open. */
  async dismiss(organizationId: number, rawId: string, scope: AuditScope): Promise<DeprovisioningIncidentView> {
    const incidentId = parseId(rawId, 'incident');
    await this.inTransaction(organizationId, async (manager) => {
      await this.openIncident(manager, organizationId, incidentId, rawId, 'dismissed');
      await this.close(manager, organizationId, incidentId, 'dismissed', scope, {
        detail: 'Dismissed: the users stay as the identity provider left them.',
      });
    });
    const [incident] = await this.views([(await this.deprovisionings.incident(organizationId, incidentId))!]);
    return incident;
  }

  private async openIncident(
    manager: EntityManager,
    organizationId: number,
    incidentId: number,
    rawId: string,
    action: 'undone' | 'dismissed',
  ): Promise<IncidentRow> {
    await this.organizations.lock(manager, organizationId);
    const incident = await this.deprovisionings.incident(organizationId, incidentId, manager, true);
    if (!incident) throw notFound(`No deprovisioning incident with id ${JSON.stringify(rawId)} in this organization.`);
    if (incident.status !== 'open')
      throw conflict(
        `Deprovisioning incident ${incidentId} is already ${incident.status}; only an open incident can be ${action}.`,
      );
    return incident;
  }

  private async close(
    manager: EntityManager,
    organizationId: number,
    incidentId: number,
    status: 'undone' | 'dismissed',
    scope: AuditScope,
    event: { detail: string },
  ): Promise<void> {
    await this.deprovisionings.closeIncident(manager, incidentId, status, scope);
    await this.audit.record(manager, scope, {
      organizationId,
      action: `deprovisioning-incident.${status}`,
      target: { type: 'deprovisioning-incident', id: incidentId, display: `Deprovisioning incident ${incidentId}` },
      detail: event.detail,
    });
  }

  private async views(rows: IncidentRow[]): Promise<DeprovisioningIncidentView[]> {
    const usersOf = await this.deprovisionings.incidentUsers(rows.map((r) => r.id));
    const keys = await this.apiKeys.findDetailsMany([...new Set(rows.flatMap((r) => (r.keyId === null ? [] : [r.keyId])))]);
    return rows.map((row) => {
      const users = usersOf.get(row.id) ?? [];
      const lastAt = users.reduce((last, u) => (u.at > last ? u.at : last), row.openedAt);
      const key = row.keyId === null ? undefined : keys.get(row.keyId);
      return {
        id: String(row.id),
        openedAt: row.openedAt.toISOString(),
        lastAt: lastAt.toISOString(),
        count: users.length,
        status: row.status,
        keyId: row.keyId === null ? null : String(row.keyId),
        key: key ? { id: String(key.id), maskedKey: key.maskedKey, description: key.description } : null,
        users: users.map((u) => ({ id: String(u.userId), userName: u.userName, change: u.kind, at: u.at.toISOString() })),
        closedAt: row.closedAt?.toISOString() ?? null,
        closedBy: row.closedBy ? actorView(row.closedBy) : null,
      };
    });
  }

  private inTransaction<T>(organizationId: number, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return retryOnDeadlock(() => this.transactions.run(work, { organizationId }));
  }
}

function notRestoredOf(
  first: DeprovisioningRow,
  outcome: { outcome: 'taken' | 'gone' | 'restored'; userName?: string },
): IncidentUndoResult['notRestored'][number] {
  return outcome.outcome === 'taken'
    ? {
        id: String(first.userId),
        userName: outcome.userName!,
        reason: `A new user holds the userName "${outcome.userName}"; delete or rename it, then restore this user from Deleted users.`,
      }
    : { id: String(first.userId), userName: '', reason: 'The user was purged (deleted longer ago than the retention).' };
}

function actorView(actor: AuditActor): AuditActorView {
  return 'keyId' in actor
    ? { type: actor.type, keyId: String(actor.keyId), maskedKey: actor.maskedKey, description: actor.description }
    : { type: actor.type };
}
