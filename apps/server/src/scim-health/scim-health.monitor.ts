import { APP_CONFIG, AppConfig } from '@app/config';
import { TransactionRunner } from '@app/database';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { ScimHealthView } from '@app/api-types';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { Clock } from '../common/clock';
import { retryOnDeadlock } from '../common/db-errors';
import { scheduleJob } from '../common/scheduled-job';
import { RemindersService } from '../notifications/reminders.service';
import { OrganizationsService } from '../organizations/organizations.service';
import { ScimHealthService } from './scim-health.service';
import { ScimHealthStatesRepository } from './scim-health-states.repository';

/** The statuses whose arrival is emailed to the Admins. */
const ALERTED = new Set(['degraded', 'silent']);

/**
 * Checks every SCIM-enabled organization's connection on SCIM_HEALTH_CRON (every 5 minutes) and
 * records each change of status. Entering `degraded` or `silent` puts one alert in the notification
 * outbox, in the transaction that records the change: of several instances seeing the same change,
 * one wins the conditional UPDATE, so the Admins get one email per transition. The outbox then
 * delivers it like a reminder (at least once, with retries).
 */
@Injectable()
export class ScimHealthMonitor implements OnApplicationBootstrap {
  private readonly logger = new Logger('ScimHealthMonitor');

  constructor(
    private readonly health: ScimHealthService,
    private readonly states: ScimHealthStatesRepository,
    private readonly organizations: OrganizationsService,
    private readonly apiKeys: ApiKeysService,
    private readonly reminders: RemindersService,
    private readonly transactions: TransactionRunner,
    private readonly registry: SchedulerRegistry,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.reminders.schedulerEnabled) return;
    scheduleJob(this.registry, 'scim-health', this.config.scimHealth.cron, () => this.run().then(() => undefined), this.logger);
  }

  /** One round: every SCIM-enabled organization; returns the organizations alerted. */
  async run(): Promise<number[]> {
    const alerted: number[] = [];
    for (const organizationId of await this.organizations.scimEnabledIds()) {
      if (await this.check(organizationId)) alerted.push(organizationId);
    }
    if (alerted.length) await this.reminders.deliverNow();
    return alerted;
  }

  /** Records the organization's status if it changed; whether this call recorded an alert. */
  async check(organizationId: number): Promise<boolean> {
    const view = await this.health.health(organizationId);
    const keyId = await this.keyConcerned(organizationId, view);
    return retryOnDeadlock(() =>
      this.transactions.run(async (manager) => {
        const now = this.clock.now();
        const state = await this.states.findOrCreate(manager, organizationId, now);
        if (state.status === view.status) return false;
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

  /** The key an alert is about: the one failing most (degraded), else the one the identity provider used last. */
  private async keyConcerned(organizationId: number, view: ScimHealthView): Promise<number | null> {
    const failing = [...view.keys].sort((a, b) => b.errors24h - a.errors24h)[0];
    if (view.status === 'degraded' && failing && failing.errors24h > 0) return Number(failing.keyId);
    return this.apiKeys.lastUsedId(organizationId, 'scim');
  }
}
