import type { InputLimits, NotificationRecipientsView } from '@app/api-types';
import type { AuditScope } from '../audit/audit-context';
import { TransactionRunner } from '@app/database';
import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { badRequest, FieldError } from '../common/app-error';
import { Clock } from '../common/clock';
import { retryOnDeadlock } from '../common/db-errors';
import { OrganizationsService } from '../organizations/organizations.service';
import { validUserName } from '../users/user-name';
import { UsersService } from '../users/users.service';
import { NotificationRecipientsRepository } from './notification-recipients.repository';

/** The most addresses an organization may add to its Admins (distinct, case-insensitively). */
export const MAX_NOTIFICATION_RECIPIENTS: InputLimits['notificationRecipients'] = 20;
/** The most entries a request may send before duplicates are folded (bounded work for any body). */
const MAX_SENT = 100;

/** Who an organization's emails go to: its active Admins and its notification recipients, each address once. */
export interface Recipients {
  /** Every address once (case-insensitively), the Admins' first, in the order given. */
  all: string[];
  admins: number;
  /** Notification recipients that are not also an active Admin's address. */
  others: number;
}

/**
 * An organization's notification recipients (Settings > Organization, `recipients:set` in the CLI): up
 * to 20 addresses that get key-expiry reminders, SCIM connection alerts and deprovisioning incident
 * emails besides the active Admins. Every email of the outbox is addressed through `recipientsOf`.
 */
@Injectable()
export class NotificationRecipientsService {
  constructor(
    private readonly repository: NotificationRecipientsRepository,
    private readonly organizations: OrganizationsService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  async get(organizationId: number): Promise<NotificationRecipientsView> {
    await this.organizations.get(organizationId);
    return { emails: await this.repository.list(organizationId) };
  }

  /**
   * Replaces the list: each address trimmed, in NFC and checked as a userName is (an email address without
   * control or directional characters, at most 254 characters); duplicates folded case-insensitively (the
   * first spelling kept); at most 20 left. An unchanged list records nothing.
   */
  async set(organizationId: number, emails: readonly unknown[], scope: AuditScope): Promise<NotificationRecipientsView> {
    const wanted = validRecipients(emails);
    await this.organizations.get(organizationId);
    await retryOnDeadlock(() =>
      this.transactions.run(
        async (manager) => {
          await this.organizations.lock(manager, organizationId);
          const current = await this.repository.list(organizationId, manager);
          if (current.length === wanted.length && current.every((e, i) => e === wanted[i])) return;
          await this.repository.replace(manager, organizationId, wanted, this.clock.now());
          await this.audit.record(manager, scope, {
            organizationId,
            action: 'notification-recipients.updated',
            target: { type: 'organization', id: organizationId, display: 'Notification recipients' },
            changes: [{ attribute: 'emails', from: current, to: wanted }],
          });
        },
        { organizationId },
      ),
    );
    return this.get(organizationId);
  }

  /** Who the organization's emails go to now: its active Admins, then its notification recipients, each address once. */
  async recipientsOf(organizationId: number): Promise<Recipients> {
    const [admins, extra] = await Promise.all([
      this.users.activeAdminEmails(organizationId),
      this.repository.list(organizationId),
    ]);
    const seen = new Set<string>();
    const all: string[] = [];
    const add = (email: string): boolean => {
      const key = email.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      all.push(email);
      return true;
    };
    const adminCount = admins.filter(add).length;
    const others = extra.filter(add).length;
    return { all, admins: adminCount, others };
  }
}

/** The addresses as stored, or 400 naming each bad entry (`emails[2]`). */
function validRecipients(emails: readonly unknown[]): string[] {
  if (emails.length > MAX_SENT) {
    const message = `emails must hold at most ${MAX_NOTIFICATION_RECIPIENTS} addresses; got ${emails.length} entries`;
    throw badRequest(`${message}.`, 'invalidValue', [{ field: 'emails', message }]);
  }
  const out: string[] = [];
  const seen = new Set<string>();
  const problems: FieldError[] = [];
  emails.forEach((raw, index) => {
    const field = `emails[${index}]`;
    try {
      const email = validUserName(raw, 'email');
      if (seen.has(email.toLowerCase())) return;
      seen.add(email.toLowerCase());
      out.push(email);
    } catch (error) {
      problems.push({ field, message: (error as Error).message.replace(/^email\b/, field).replace(/\.$/, '') });
    }
  });
  if (problems.length) {
    const [first] = problems;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw badRequest(`${first.message}${more}.`, 'invalidValue', problems);
  }
  if (out.length > MAX_NOTIFICATION_RECIPIENTS) {
    const message = `emails must hold at most ${MAX_NOTIFICATION_RECIPIENTS} distinct addresses; got ${out.length}`;
    throw badRequest(`${message}. The active Admins get every email anyway: leave them out.`, 'invalidValue', [
      { field: 'emails', message },
    ]);
  }
  return out;
}
