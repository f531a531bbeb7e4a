import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { AuditScope } from '../audit/audit-context';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import type { DeprovisioningChange } from './deprovisioning.entity';
import { DeprovisioningsRepository, PriorState } from './deprovisionings.repository';

/** How long an organization's count of active users serves the burst check, and for how many organizations at most. */
const ACTIVE_COUNT_TTL_MS = 60_000;
const ACTIVE_COUNT_MAX_ORGANIZATIONS = 1_000;

/** The user a deactivation or deletion is about, as it was just before. */
export interface DeprovisionedUser extends PriorState {
  id: number;
  organizationId: number;
  userName: string;
}

/**
 * Records every deactivation and deletion of a user, in its transaction, with the state it undoes
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
 */
@Injectable()
export class DeprovisioningRecorder {
  private readonly logger = new Logger('DeprovisioningRecorder');
  private readonly activeCounts = new Map<number, { at: number; active: number }>();

  constructor(
    private readonly repository: DeprovisioningsRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Records that `user` is being deactivated or deleted, inside the change's transaction and before the
   * change touches its group memberships (they are copied as they were).
   */
  async record(manager: EntityManager, user: DeprovisionedUser, kind: DeprovisioningChange, scope: AuditScope): Promise<void> {
    const at = this.clock.now();
    const incidentId = scope.actor.type === 'scim-key' ? await this.burst(manager, user, at, scope) : null;
    await this.repository.insert(manager, {
      organizationId: user.organizationId,
      userId: user.id,
      kind,
      at,
      actor: scope.actor,
      incidentId,
      prior: { wasActive: user.wasActive, roleId: user.roleId, ownRoleId: user.ownRoleId, roleGroupId: user.roleGroupId },
    });
  }

  /** The incident this change belongs to: the open one, the one it opens, or none. */
  private async burst(manager: EntityManager, user: DeprovisionedUser, now: Date, scope: AuditScope): Promise<number | null> {
    const { burstWindowMinutes, burstThreshold, burstPercent } = this.config.safetyNet;
    const since = new Date(now.getTime() - burstWindowMinutes * 60_000);
    const window = await this.repository.windowState(manager, user.organizationId, since, user.id);
    if (window.openIncidentId !== null) return window.openIncidentId;
    const count = window.others + (window.userInWindow ? 0 : 1);
    if (count < burstThreshold) return null;
    // Active when the window began: those active now (this user included, its change is not written yet)
    // and those the window's changes deactivated or deleted while active.
    const activeAtStart = (await this.activeUsers(manager, user.organizationId, now)) + window.othersWereActive;
    if (count * 100 < burstPercent * activeAtStart) return null;
    const keyId = scope.actor.type === 'scim-key' ? scope.actor.keyId : null;
    const opened = await this.repository.openIncident(manager, user.organizationId, now, keyId);
    if (opened === null) return this.repository.openIncidentId(manager, user.organizationId);
    await this.repository.attachWindow(manager, user.organizationId, opened, since);
    this.activeCounts.delete(user.organizationId);
    await this.audit.record(manager, scope, {
      organizationId: user.organizationId,
      action: 'deprovisioning-incident.opened',
      target: { type: 'deprovisioning-incident', id: opened, display: `Deprovisioning incident ${opened}` },
      detail: `${count} users were deactivated or deleted through SCIM within ${burstWindowMinutes} minutes (of ${activeAtStart} active users); the requests succeeded, and the Admins are being emailed. Undo or dismiss it in Settings.`,
    });
    this.logger.warn(
      `Organization ${user.organizationId}: deprovisioning incident ${opened} opened (${count} users within ${burstWindowMinutes} min)`,
    );
    return opened;
  }

  /** The organization's active users, counted at most once a minute (a large organization's burst check would count it on every change). */
  private async activeUsers(manager: EntityManager, organizationId: number, now: Date): Promise<number> {
    const kept = this.activeCounts.get(organizationId);
    if (kept && now.getTime() - kept.at < ACTIVE_COUNT_TTL_MS) return kept.active;
    const active = await this.repository.activeUsers(manager, organizationId);
    this.activeCounts.delete(organizationId);
    if (this.activeCounts.size >= ACTIVE_COUNT_MAX_ORGANIZATIONS)
      this.activeCounts.delete(this.activeCounts.keys().next().value!);
    this.activeCounts.set(organizationId, { at: now.getTime(), active });
    return active;
  }
}
