import type { ReminderPage } from '@app/api-types';
import { AuditScope, SYSTEM_SCOPE } from '../audit/audit-context';
import { APP_CONFIG, AppConfig, LeadTime } from '@app/config';
import { TransactionRunner } from '@app/database';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { ApiKeyDetails, ApiKeysService } from '../api-keys/api-keys.service';
import { AuditRecord, AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { DEFAULT_PAGE_SIZE } from '../common/cursor';
import { JobRuns } from '../common/job-runs';
import { Pacer } from '../common/pacing';
import { AdminCursors } from '../cursors/admin-cursors';
import { retryOnDeadlock } from '../common/db-errors';
import { withoutAddresses } from '../common/logger';
import { nextRunOf } from '../common/scheduled-job';
import { OrganizationsService } from '../organizations/organizations.service';
import { KeyReminder, ReminderStatus } from './key-reminder.entity';
import { RemindersRepository } from './reminders.repository';
import { mostUrgentOpenLead, nextWindowOpening, windowOpensAt } from '../api-keys/reminder-windows';
import { MailerService } from './mailer/mailer.service';
import { healthAlertEmail } from './health-alert-email';
import { incidentAlertEmail, IncidentAlertPayload } from './incident-alert-email';
import { NotificationRecipientsService, Recipients } from './notification-recipients.service';
import { reminderEmail } from './reminder-email';

export interface ReminderRunResult {
  /** Keys found entering a reminder window in this run (recorded unless another instance was first). */
  recorded: number;
  sent: Array<{ reminderId: number; apiKeyId: number; leadTime: string; recipients: string[] }>;
  retrying: Array<{ reminderId: number; error: string; nextAttemptAt: string }>;
  failed: Array<{ reminderId: number; error: string }>;
  cancelled: Array<{ reminderId: number; reason: string }>;
}

const BATCH = 100;

/**
 * Key-expiry reminders through an outbox: a reminder is recorded (unique per
 * key and lead time) before it is sent; an instance claims it with a lease
 * (a conditional UPDATE), sends, then marks it sent. The database decides who
 * sends, so several instances running the job at once send each reminder once.
 * Delivery is at-least-once: a crash between sending and recording may, after
 * the lease, send one duplicate; it never loses one.
 */
@Injectable()
export class RemindersService {
  private readonly logger = new Logger('Reminders');

  constructor(
    private readonly reminders: RemindersRepository,
    private readonly apiKeys: ApiKeysService,
    private readonly recipients: NotificationRecipientsService,
    private readonly organizations: OrganizationsService,
    private readonly mailer: MailerService,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
    private readonly cursors: AdminCursors,
    private readonly jobs: JobRuns,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Records, inside the caller's transaction, the alert that an organization's SCIM connection
   * became degraded or silent: one outbox row per health transition (`transition` is its number),
   * delivered to the active Admins like a reminder (lease, retries, at least once).
   */
  async enqueueHealthAlert(
    manager: EntityManager,
    alert: { organizationId: number; apiKeyId: number; transition: number; status: string; summary: string },
  ): Promise<void> {
    const now = this.clock.now();
    await this.reminders.insertAlert(manager, {
      kind: 'scim-health',
      payload: JSON.stringify({ status: alert.status, summary: alert.summary }),
      organizationId: alert.organizationId,
      apiKeyId: alert.apiKeyId,
      leadTime: `health-${alert.transition}`,
      expiresAt: now,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    });
  }

  /** Records, inside the caller's transaction, a deprovisioning incident's alert: one outbox row per incident. */
  async enqueueIncidentAlert(
    manager: EntityManager,
    alert: { organizationId: number; apiKeyId: number; payload: IncidentAlertPayload },
  ): Promise<void> {
    const now = this.clock.now();
    await this.reminders.insertAlert(manager, {
      kind: 'deprovisioning',
      payload: JSON.stringify(alert.payload),
      organizationId: alert.organizationId,
      apiKeyId: alert.apiKeyId,
      leadTime: `incident-${alert.payload.incidentId}`,
      expiresAt: now,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    });
  }

  /** Delivers what is due now (the health monitor calls it right after recording an alert). */
  async deliverNow(): Promise<void> {
    await this.deliverDue({ recorded: 0, sent: [], retrying: [], failed: [], cancelled: [] }, SYSTEM_SCOPE);
  }

  /** Reminders per status, every organization together (for /metrics). */
  countByStatus(): Promise<Map<string, number>> {
    return this.reminders.countByStatus();
  }

  /** One run of the job: record what became due, then deliver what is due. */
  run(scope: AuditScope = SYSTEM_SCOPE): Promise<ReminderRunResult> {
    return this.jobs.track('expiry-reminders', async (handled) => {
      const result: ReminderRunResult = { recorded: 0, sent: [], retrying: [], failed: [], cancelled: [] };
      result.recorded = await this.recordDue(this.clock.now(), handled);
      handled(await this.deliverDue(result, scope));
      return result;
    });
  }

  async list(organizationId: number, page: { size?: number; cursor?: string }): Promise<ReminderPage> {
    const size = page.size ?? DEFAULT_PAGE_SIZE;
    const before = this.cursors.decode('notifications', organizationId, page.cursor);
    const { rows, total } = await this.reminders.page(organizationId, before, size);
    const pageRows = rows.slice(0, size);
    const keys = await this.apiKeys.findDetailsMany([...new Set(pageRows.map((r) => r.apiKeyId))]);
    return {
      notifications: pageRows.map((r) => {
        const key = keys.get(r.apiKeyId);
        return {
          id: String(r.id),
          kind: r.kind,
          ...(r.kind === 'scim-health' && r.payload
            ? { health: JSON.parse(r.payload) as { status: string; summary: string } }
            : {}),
          ...(r.kind === 'deprovisioning' && r.payload ? { incident: incidentOf(r.payload) } : {}),
          apiKeyId: String(r.apiKeyId),
          keyType: key?.type ?? 'api',
          keyDescription: key?.description ?? null,
          maskedKey: key?.maskedKey ?? '',
          leadTime: r.leadTime,
          expiresAt: r.expiresAt.toISOString(),
          status: r.status,
          attempts: r.attempts,
          lastError: r.lastError,
          recipients: r.recipients ? (JSON.parse(r.recipients) as string[]) : [],
          sentAt: r.sentAt?.toISOString() ?? null,
          delivery: r.status === 'sent' ? r.delivery : null,
          nextAttemptAt: r.status === 'pending' ? r.nextAttemptAt.toISOString() : null,
          createdAt: r.createdAt.toISOString(),
        };
      }),
      count: pageRows.length,
      total,
      nextCursor:
        rows.length > size ? this.cursors.encode('notifications', organizationId, pageRows[pageRows.length - 1].id) : null,
      upcoming: before ? [] : await this.upcoming(organizationId),
      nextRunAt: this.config.reminders.schedulerEnabled ? nextRunOf(this.config.reminders.cron, this.clock.now()) : null,
      mailDelivery: this.mailer.delivery,
    };
  }

  /**
   * The reminders to come: for each live key with an expiration, its next lead time whose
   * reminder is not recorded yet, and when that window opens (now, for a window already open:
   * the next run sends it).
   */
  private async upcoming(organizationId: number): Promise<ReminderPage['upcoming']> {
    const now = this.clock.now();
    const keys = (await this.apiKeys.list(organizationId)).filter((k) => k.expiresAt && k.status === 'active');
    if (!keys.length) return [];
    const recorded = await this.reminders.recordedFor(keys.map((k) => Number(k.id)));
    const leads = this.config.reminders.leadTimes;
    const out: ReminderPage['upcoming'] = [];
    for (const key of keys) {
      const expiresAt = new Date(key.expiresAt!);
      const open = mostUrgentOpenLead(expiresAt, leads, now);
      // An open window already recorded is history; else the soonest window not yet recorded.
      const candidates = leads
        .filter((l) => !recorded.has(`${key.id}/${l.label}`))
        .filter((l) => !open || windowOpensAt(expiresAt, l) >= windowOpensAt(expiresAt, open))
        .map((l) => ({ lead: l, at: windowOpensAt(expiresAt, l) }))
        .sort((a, b) => a.at.getTime() - b.at.getTime());
      const next = candidates[0];
      if (!next) continue;
      out.push({
        apiKeyId: key.id,
        keyType: key.type,
        keyDescription: key.description,
        maskedKey: key.maskedKey,
        expiresAt: key.expiresAt!,
        leadTime: next.lead.label,
        remindAt: (next.at < now ? now : next.at).toISOString(),
      });
    }
    return out.sort((a, b) => a.remindAt.localeCompare(b.remindAt));
  }

  /**
   * Looks at the keys whose look is due (`reminderDueAt` passed: one of their windows opened; the
   * first is set when the key is created), BATCH at a time through their index: records a pending
   * reminder for a key's most urgent open window if it has none yet, then schedules the key's next
   * look at the opening of its next window (none after the last, or once it expired). Earlier windows that passed
   * unseen are recorded as superseded (never sent), so a late key gets one message, not a burst. The
   * work is the keys due, not every key (docs/performance.md, "Scheduled jobs").
   */
  private async recordDue(now: Date, handled: (n: number) => void): Promise<number> {
    const leads = this.config.reminders.leadTimes;
    const pacer = new Pacer();
    let recorded = 0;
    for (let after: { dueAt: Date; id: number } | null = null; ;) {
      const keys = await this.apiKeys.remindersDue(now, after, BATCH);
      const live = keys.filter((k) => k.expiresAt && k.expiresAt.getTime() > now.getTime());
      const existing = live.length ? await this.reminders.recordedFor(live.map((k) => k.id)) : new Set<string>();
      await pacer.pace();
      for (const key of keys) {
        if (live.includes(key) && (await this.recordWindow(key, leads, existing, now))) recorded += 1;
        await this.apiKeys.scheduleReminder(key.id, nextWindowOpening(key.expiresAt, leads, now));
        await pacer.pace();
      }
      handled(keys.length);
      if (keys.length < BATCH) return recorded;
      const last = keys[keys.length - 1];
      after = { dueAt: last.reminderDueAt, id: last.id };
    }
  }

  /** Records the reminder of the key's most urgent open window unless it has one; whether it did. */
  private async recordWindow(key: ApiKeyDetails, leads: LeadTime[], existing: Set<string>, now: Date): Promise<boolean> {
    const lead = mostUrgentOpenLead(key.expiresAt!, leads, now);
    if (!lead || existing.has(`${key.id}/${lead.label}`)) return false;
    const opens = windowOpensAt(key.expiresAt!, lead).getTime();
    const passed = leads.filter((l) => l.label !== lead.label && windowOpensAt(key.expiresAt!, l).getTime() < opens);
    const rows = [lead, ...passed].map((l) => ({
      organizationId: key.organizationId,
      apiKeyId: key.id,
      leadTime: l.label,
      expiresAt: key.expiresAt!,
      status: (l === lead ? 'pending' : 'superseded') as ReminderStatus,
      attempts: 0,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    }));
    await retryOnDeadlock(async () => {
      await this.reminders.insertIgnoringDuplicates(rows);
      // An older reminder still waiting (e.g. SMTP was down) is folded into the new one.
      await this.reminders.supersedePending(key.id, lead.label, now);
    });
    return true;
  }

  /** Delivers the outbox rows due, BATCH ids at a time; how many it tried. */
  private async deliverDue(result: ReminderRunResult, scope: AuditScope): Promise<number> {
    const seen = new Set<number>();
    for (;;) {
      const now = this.clock.now();
      const due = await this.reminders.dueIds(now, BATCH);
      const fresh = due.filter((id) => !seen.has(id));
      if (!fresh.length) return seen.size;
      for (const id of fresh) {
        seen.add(id);
        await this.deliverOne(id, result, scope);
      }
    }
  }

  private async deliverOne(id: number, result: ReminderRunResult, scope: AuditScope): Promise<void> {
    const now = this.clock.now();
    const token = randomUUID();
    const leaseUntil = new Date(now.getTime() + this.config.reminders.leaseSeconds * 1000);
    const claimed = await retryOnDeadlock(() => this.reminders.claim(id, token, now, leaseUntil));
    if (!claimed) return; // another instance has it
    const reminder = await this.reminders.findById(id);
    const key = await this.apiKeys.findDetails(reminder.apiKeyId);
    const alert = reminder.kind !== 'expiry';
    // An alert concerns the connection or an incident, not the key's validity: it is sent whatever became of the key.
    if (!key || (!alert && (key.deleted || !key.expiresAt || key.expiresAt.getTime() <= now.getTime()))) {
      const reason =
        !key || key.deleted
          ? 'The key was deleted before the reminder was sent.'
          : 'The key expired before the reminder could be sent.';
      await this.finish(scope, id, token, { status: 'cancelled', lastError: reason });
      result.cancelled.push({ reminderId: id, reason });
      return;
    }
    const addressed = await this.recipients.recipientsOf(key.organizationId);
    const recipients = addressed.all;
    let error: string;
    if (recipients.length) {
      const organization = await this.organizations.get(key.organizationId);
      try {
        const { messageId, delivery } = await this.mailer.send(
          reminder.kind === 'deprovisioning'
            ? incidentAlertEmail({
                ...(JSON.parse(reminder.payload ?? '{}') as IncidentAlertPayload),
                organizationName: organization.name,
                organizationId: key.organizationId,
                maskedKey: key.maskedKey,
                keyDescription: key.description,
                appUrl: this.config.appUrl,
                recipients,
              })
            : alert
              ? healthAlertEmail({
                  ...(JSON.parse(reminder.payload ?? '{}') as { status: string; summary: string }),
                  organizationName: organization.name,
                  organizationId: key.organizationId,
                  maskedKey: key.maskedKey,
                  keyDescription: key.description,
                  appUrl: this.config.appUrl,
                  recipients,
                })
              : reminderEmail({
                  organizationName: organization.name,
                  organizationId: key.organizationId,
                  keyId: key.id,
                  keyType: key.type,
                  keyDescription: key.description,
                  maskedKey: key.maskedKey,
                  keyCreatedAt: key.createdAt,
                  expiresAt: key.expiresAt!,
                  now,
                  appUrl: this.config.appUrl,
                  recipients,
                }),
        );
        await this.finish(
          scope,
          id,
          token,
          {
            status: 'sent',
            sentAt: this.clock.now(),
            attempts: reminder.attempts + 1,
            recipients: JSON.stringify(recipients),
            messageId,
            delivery,
            lastError: null,
          },
          {
            organizationId: key.organizationId,
            action: 'reminder.sent',
            target: { type: 'api-key', id: key.id, display: keyDisplay(key) },
            changes: [{ attribute: 'recipients', to: recipients }],
            detail: `${what(reminder)}, ${delivery === 'smtp' ? 'sent' : 'written to the outbox folder (no SMTP_URL: not delivered)'} to ${whom(addressed)}.`,
          },
        );
        result.sent.push({ reminderId: id, apiKeyId: key.id, leadTime: reminder.leadTime, recipients });
        this.logger.log(
          `${what(reminder)} of key ${key.id}: ${delivery === 'smtp' ? 'sent' : 'written to the outbox'} for ${whom(addressed)}`,
        );
        return;
      } catch (e) {
        error = `${(e as Error).message ?? String(e)}`.slice(0, 1000);
      }
    } else {
      error = 'The organization has no active Admin and no notification recipient to notify.';
    }
    const attempts = reminder.attempts + 1;
    if (attempts >= this.config.reminders.maxAttempts) {
      await this.finish(
        scope,
        id,
        token,
        { status: 'failed', attempts, lastError: error, recipients: JSON.stringify(recipients) },
        {
          organizationId: key.organizationId,
          action: 'reminder.failed',
          target: { type: 'api-key', id: key.id, display: keyDisplay(key) },
          detail: `${what(reminder)} was not sent after ${attempts} attempts: ${error}`,
        },
      );
      result.failed.push({ reminderId: id, error });
      this.logger.error(`Gave up on the expiry reminder ${id} after ${attempts} attempts: ${withoutAddresses(error)}`);
      return;
    }
    const nextAttemptAt = new Date(now.getTime() + this.config.reminders.retryBaseSeconds * 1000 * 2 ** (attempts - 1));
    await this.finish(scope, id, token, {
      status: 'pending',
      attempts,
      lastError: error,
      nextAttemptAt,
      recipients: JSON.stringify(recipients),
    });
    result.retrying.push({ reminderId: id, error, nextAttemptAt: nextAttemptAt.toISOString() });
    this.logger.warn(
      `Expiry reminder ${id} not sent (attempt ${attempts}), retrying at ${nextAttemptAt.toISOString()}: ${withoutAddresses(error)}`,
    );
  }

  /** Records the outcome, only if this instance still holds the claim, with its audit event in the same transaction. */
  private async finish(
    scope: AuditScope,
    id: number,
    token: string,
    changes: Partial<KeyReminder>,
    event?: AuditRecord,
  ): Promise<void> {
    await retryOnDeadlock(() =>
      this.transactions.run(async (manager) => {
        const held = await this.reminders.finish(manager, id, token, { ...changes, updatedAt: this.clock.now() });
        if (held && event) await this.audit.record(manager, scope, event);
      }),
    );
  }
}

/** "2 Admins", "1 Admin and 3 notification recipients". */
function whom(addressed: Recipients): string {
  const parts = [
    ...(addressed.admins ? [`${addressed.admins} Admin${addressed.admins === 1 ? '' : 's'}`] : []),
    ...(addressed.others ? [`${addressed.others} notification recipient${addressed.others === 1 ? '' : 's'}`] : []),
  ];
  return parts.join(' and ');
}

function keyDisplay(key: { maskedKey: string; description: string | null }): string {
  return key.description ? `${key.maskedKey} (${key.description})` : key.maskedKey;
}

/** How events name an outbox row: "The 1M expiry reminder", "The SCIM connection alert (degraded)". */
function what(reminder: KeyReminder): string {
  if (reminder.kind === 'deprovisioning') return `The deprovisioning incident ${incidentOf(reminder.payload ?? '{}').id} alert`;
  if (reminder.kind === 'scim-health') {
    const { status } = JSON.parse(reminder.payload ?? '{}') as { status?: string };
    return `The SCIM connection alert (${status ?? 'unknown'})`;
  }
  return `The ${reminder.leadTime} expiry reminder`;
}

function incidentOf(payload: string): { id: string; count: number } {
  const { incidentId, count } = JSON.parse(payload) as Partial<IncidentAlertPayload>;
  return { id: String(incidentId ?? ''), count: Number(count ?? 0) };
}
