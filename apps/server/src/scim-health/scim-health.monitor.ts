import { APP_CONFIG, AppConfig } from '@app/config';
import { TransactionRunner } from '@app/database';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { ScimHealthView } from '@app/api-types';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { Clock } from '../common/clock';
import { retryOnDeadlock } from '../common/db-errors';
import { JobRuns } from '../common/job-runs';
import { Pacer } from '../common/pacing';
import { scheduleJob } from '../common/scheduled-job';
import { RemindersService } from '../notifications/reminders.service';
import { SCIM_TOGGLED, ScimToggledEvent } from '../organizations/organization.events';
import { countsPlan, HEALTH_WINDOW_MS } from './health-schedule';
import { HealthAssessment, ScimHealthService } from './scim-health.service';
import { DuePosition, HealthSchedule, HealthState, ScimHealthStatesRepository } from './scim-health-states.repository';

/** The statuses whose arrival is emailed to the Admins. */
const ALERTED = new Set(['degraded', 'silent']);
/** State rows read per statement. */
const BATCH = 100;

/**
 * Checks the SCIM connections whose status may have changed, on SCIM_HEALTH_CRON (every 5 minutes),
 * and records each change of status. Entering `degraded` or `silent` puts one alert in the
 * notification outbox, in the transaction that records the change: of several instances seeing the
 * same change, one wins the conditional UPDATE, so the Admins get one email per transition. The
 * outbox then delivers it like a reminder (at least once, with retries).
 *
 * A round reads only what is due (`scim_health_states`, two index ranges), not every organization:
 * each check stores when the status may next change on its own (`due_at`: failures leaving the
 * 24-hour window; `last_use_at`: silence), and what may change it sooner marks the organization due:
 * traffic written with a failure, or any traffic for a status that traffic can change
 * (ScimTrafficService). SCIM turned on or off is checked at once (here). See docs/performance.md, "Scheduled jobs".
 */
@Injectable()
export class ScimHealthMonitor implements OnApplicationBootstrap {
  private readonly logger = new Logger('ScimHealthMonitor');

  constructor(
    private readonly health: ScimHealthService,
    private readonly states: ScimHealthStatesRepository,
    private readonly apiKeys: ApiKeysService,
    private readonly reminders: RemindersService,
    private readonly transactions: TransactionRunner,
    private readonly registry: SchedulerRegistry,
    private readonly jobs: JobRuns,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.reminders.schedulerEnabled) return;
    scheduleJob(this.registry, 'scim-health', this.config.scimHealth.cron, () => this.run().then(() => undefined), this.logger);
  }

  /**
   * SCIM turned on or off: the organization is checked at once, off the request's path (its row
   * created if it has none), so that new organizations never pile up as work for a round. A check
   * that fails leaves the row due for the next round.
   */
  @OnEvent(SCIM_TOGGLED)
  onScimToggled(event: ScimToggledEvent): void {
    void this.checkNow(event.organizationId).catch((error: unknown) =>
      this.logger.warn({ err: error }, `The health check of organization ${event.organizationId} after its SCIM switch failed`),
    );
  }

  private async checkNow(organizationId: number): Promise<void> {
    const now = this.clock.now();
    await retryOnDeadlock(() => this.states.markDue([organizationId], now));
    const state = await this.states.find(organizationId);
    if (state && (await this.check(state, now))) await this.reminders.deliverNow();
  }

  /** One round: the organizations that are due; returns the organizations alerted. */
  run(): Promise<number[]> {
    return this.jobs.track('scim-health', async (handled) => {
      const now = this.clock.now();
      const silentBefore = new Date(now.getTime() - this.config.scimHealth.silentHours * 3_600_000);
      const pacer = new Pacer();
      const alerted: number[] = [];
      const walks = [
        (after: DuePosition) => this.states.dueAt(now, after, BATCH),
        (after: DuePosition) => this.states.silentSince(silentBefore, after, BATCH),
      ];
      for (const next of walks) {
        for (let after: DuePosition = null; ;) {
          const due = await next(after);
          for (const state of due) {
            try {
              if (await this.check(state, now)) alerted.push(state.organizationId);
            } catch (error) {
              // The row stays due: the next round tries again.
              this.logger.error({ err: error }, `The health check of organization ${state.organizationId} failed`);
            }
            handled(1);
            await pacer.pace();
          }
          if (due.length < BATCH) break;
          after = { at: due[due.length - 1].at, organizationId: due[due.length - 1].organizationId };
        }
      }
      if (alerted.length) await this.reminders.deliverNow();
      return alerted;
    });
  }

  /** Checks one due organization: records its status if it changed, and when to look again; whether this call recorded an alert. */
  private async check(state: HealthState, now: Date): Promise<boolean> {
    const organizationId = state.organizationId;
    const assessed = await this.health.assess(organizationId, now);
    // With SCIM off nothing is recorded (turning it on marks the organization due again).
    const alerted = assessed.enabled && assessed.status !== state.status ? await this.record(state) : false;
    await this.states.schedule(organizationId, state.version, await this.nextCheck(organizationId, assessed, now));
    return alerted;
  }

  /** Records the status the full view shows, if it differs from the one stored; whether this call recorded an alert. */
  private async record(state: HealthState): Promise<boolean> {
    const organizationId = state.organizationId;
    const view = await this.health.health(organizationId);
    if (view.status === state.status || view.status === 'off') return false;
    const keyId = await this.keyConcerned(organizationId, view);
    return retryOnDeadlock(() =>
      this.transactions.run(async (manager) => {
        const now = this.clock.now();
        if (!(await this.states.transition(manager, organizationId, state.status, view.status, now))) return false;
        this.logger.log(`SCIM connection of organization ${organizationId}: ${state.status} → ${view.status}`);
        if (!ALERTED.has(view.status) || keyId === null) return false;
        await this.reminders.enqueueHealthAlert(manager, {
          organizationId,
          apiKeyId: keyId,
          transition: state.transitions + 1,
          status: view.status,
          summary: view.summary,
        });
        return true;
      }),
    );
  }

  /**
   * When the status may next change with nobody telling: silence (from the last use, for healthy and
   * degraded), and the window's counts ageing (when it holds failures: countsPlan). Traffic with a
   * failure always tells; traffic without one tells when it may change the status (watchTraffic).
   */
  private async nextCheck(organizationId: number, assessed: HealthAssessment, now: Date): Promise<HealthSchedule> {
    switch (assessed.status) {
      case 'off':
        return { dueAt: null, lastUseAt: null, watchTraffic: false };
      case 'never-connected':
        // Requests counted but no use recorded yet (it is written just after the response): look again next round.
        return { dueAt: assessed.requests24h ? new Date(now.getTime() + 1) : null, lastUseAt: null, watchTraffic: true };
      case 'silent':
        return { dueAt: null, lastUseAt: null, watchTraffic: true };
      default: {
        // Without a failure in the window, only a failure (which always tells) can change it, or silence.
        if (!assessed.errors24h) return { dueAt: null, lastUseAt: assessed.lastUse, watchTraffic: false };
        const series = await this.health.minuteCounts(organizationId, new Date(now.getTime() - HEALTH_WINDOW_MS));
        return { ...countsPlan(series), lastUseAt: assessed.lastUse };
      }
    }
  }

  /** The key an alert is about: the one failing most (degraded), else the one the identity provider used last. */
  private async keyConcerned(organizationId: number, view: ScimHealthView): Promise<number | null> {
    const failing = [...view.keys].sort((a, b) => b.errors24h - a.errors24h)[0];
    if (view.status === 'degraded' && failing && failing.errors24h > 0) return Number(failing.keyId);
    return this.apiKeys.lastUsedId(organizationId, 'scim');
  }
}
