// Pure formatting for the pages (unit-tested in format.spec.ts). Times are shown in UTC, like the
// expiry reminder emails, because an expiration date means 00:00 UTC of that day.
// It depends on no other file of the UI (api.ts uses it), only on the server's response types.

import type { AuditActorView, KeyType, ReminderStatus } from '@app/api-types';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Torii emails the Admins a month before a key expires; inside this window the expiry is shown as a warning. */
export const REMINDER_WINDOW_DAYS = 30;

const dateFormat = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' });
const dateTimeFormat = new Intl.DateTimeFormat('en-US', {
  dateStyle: 'medium',
  timeStyle: 'short',
  hourCycle: 'h23',
  timeZone: 'UTC',
});

export function formatDate(iso: string): string {
  return dateFormat.format(new Date(iso));
}

const timeFormat = new Intl.DateTimeFormat('en-US', { timeStyle: 'short', hourCycle: 'h23', timeZone: 'UTC' });

export function formatTime(iso: string): string {
  return `${timeFormat.format(new Date(iso))} UTC`;
}

export function formatDateTime(iso: string): string {
  return `${dateTimeFormat.format(new Date(iso))} UTC`;
}

/** From one instant to another: "Dec 7, 2026, 19:20–19:32 UTC" within a UTC day, both in full otherwise. */
export function formatSpan(from: string, to: string): string {
  if (formatDateTime(from) === formatDateTime(to)) return formatDateTime(from);
  if (new Date(from).toISOString().slice(0, 10) === new Date(to).toISOString().slice(0, 10))
    return `${dateTimeFormat.format(new Date(from))}–${formatTime(to)}`;
  return `${formatDateTime(from)} to ${formatDateTime(to)}`;
}

export const KEY_TYPE_LABELS: Record<KeyType, string> = { api: 'Torii API', scim: 'Torii SCIM' };

export interface Expiry {
  /** "expires in 12 days", "expired 3 days ago", "no expiration" */
  relative: string;
  tone: 'none' | 'ok' | 'warning' | 'expired';
}

export function describeExpiry(expiresAt: string | null, now: Date): Expiry {
  if (!expiresAt) return { relative: 'No expiration', tone: 'none' };
  const left = new Date(expiresAt).getTime() - now.getTime();
  if (left <= 0) {
    const ago = Math.floor(-left / DAY_MS);
    return { relative: ago === 0 ? 'Expired today' : `Expired ${plural(ago, 'day')} ago`, tone: 'expired' };
  }
  const days = Math.ceil(left / DAY_MS);
  const relative = left < DAY_MS ? 'Expires in less than a day' : `Expires in ${plural(days, 'day')}`;
  return { relative, tone: days <= REMINDER_WINDOW_DAYS ? 'warning' : 'ok' };
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** `YYYY-MM-DD` of a UTC day, for date inputs. */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

export function userLabel(user: {
  displayName: string | null;
  firstName: string | null;
  lastName: string | null;
}): string | null {
  if (user.displayName) return user.displayName;
  const full = [user.firstName, user.lastName].filter(Boolean).join(' ');
  return full || null;
}

export const REMINDER_STATUS_LABELS: Record<ReminderStatus, string> = {
  pending: 'Pending',
  sent: 'Sent',
  failed: 'Failed',
  cancelled: 'Cancelled',
  superseded: 'Superseded',
};

/** Lead times as configured on the server (REMINDER_LEAD_TIMES): 1M, 7d, 12h. */
export function describeLeadTime(lead: string): string {
  const match = /^(\d+)\s*([Mdh])$/.exec(lead.trim());
  if (!match) return lead;
  const count = Number(match[1]);
  const unit = { M: 'month', d: 'day', h: 'hour' }[match[2] as 'M' | 'd' | 'h'];
  return `${plural(count, unit)} before`;
}

/** The audit log's actions, as a person says them. */
export const AUDIT_ACTION_LABELS: Record<string, string> = {
  'api-key.created': 'Key generated',
  'api-key.updated': 'Key description changed',
  'api-key.deleted': 'Key deleted',
  'organization.renamed': 'Organization renamed',
  'notification-recipients.updated': 'Notification recipients changed',
  'security.scim-enabled': 'SCIM turned on',
  'security.scim-disabled': 'SCIM turned off',
  'role.created': 'Role created',
  'role.updated': 'Role changed',
  'role.deleted': 'Role deleted',
  'role-mapping.created': 'Group mapped to a role',
  'role-mapping.updated': 'Role mapping changed',
  'role-mapping.deleted': 'Role mapping deleted',
  'user.created': 'User created',
  'user.updated': 'User changed',
  'user.role-changed': 'Role of a user changed',
  'user.deactivated': 'User deactivated',
  'user.reactivated': 'User reactivated',
  'user.deleted': 'User deleted',
  'user.restored': 'User restored',
  'user.purged': 'Deleted user purged',
  'deprovisioning-incident.opened': 'Deprovisioning incident opened',
  'deprovisioning-incident.undone': 'Deprovisioning incident undone',
  'deprovisioning-incident.dismissed': 'Deprovisioning incident dismissed',
  'group.created': 'Group created',
  'group.updated': 'Group changed',
  'group.deleted': 'Group deleted',
  'group.members-added': 'Members added to a group',
  'group.members-removed': 'Members removed from a group',
  'reminder.sent': 'Email sent',
  'reminder.failed': 'Email not sent',
  'scim.request-failed': 'SCIM request refused',
};

/** A change as one line: `title: "Engineer" → "Lead"`, lists shortened. */
export function describeChange(change: { attribute: string; from?: unknown; to?: unknown }): string {
  const show = (value: unknown): string => {
    if (value === null || value === undefined || value === '') return '(none)';
    if (Array.isArray(value))
      return value.length > 3
        ? `${value.slice(0, 3).map(show).join(', ')} and ${value.length - 3} more`
        : value.map(show).join(', ') || '(none)';
    return typeof value === 'string' ? `"${value}"` : String(value);
  };
  if (!('from' in change)) return `${change.attribute}: ${show(change.to)}`;
  if (!('to' in change)) return `${change.attribute}: was ${show(change.from)}`;
  return `${change.attribute}: ${show(change.from)} → ${show(change.to)}`;
}

/** The API's sentences name instants as ISO-8601 (`2026-11-29T20:57:39.000Z`); people read `Nov 29, 2026, 20:57 UTC`. */
export function humanizeInstants(text: string): string {
  return text.replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?Z\b/g, (iso) => {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : formatDateTime(iso);
  });
}

/** Who acted, as the audit log says it: "SCIM key Okta (torii_scim_…a1b2)", "Operator CLI". */
export function describeActor(actor: AuditActorView): string {
  if (actor.type === 'cli') return 'Operator CLI';
  // The system's events name what ran when it is not a scheduled job (the first start).
  if (actor.type === 'system') return `Torii (${actor.description ? actor.description.toLowerCase() : 'scheduled job'})`;
  const who = actor.description ? `${actor.description} (${actor.maskedKey})` : (actor.maskedKey ?? 'a key');
  return `${actor.type === 'scim-key' ? 'SCIM key' : 'API key'} ${who}`;
}

/** A span of time as a person says it: "less than a minute", "12 minutes", "2 hours 5 minutes", "3 days". */
export function describeDuration(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return 'less than a minute';
  if (minutes < 60) return plural(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${plural(hours, 'hour')} ${plural(minutes % 60, 'minute')}` : plural(hours, 'hour');
  return plural(Math.floor(hours / 24), 'day');
}

/**
 * A deprovisioning burst in one sentence: "Your identity provider deactivated or deleted 37 users in 12 minutes",
 * from its users' first change to their last; "at once" without them (an incident opens at the threshold, after its first changes).
 */
export function describeBurst(count: number, span?: { from: string; to: string }): string {
  const ms = span ? new Date(span.to).getTime() - new Date(span.from).getTime() : undefined;
  const when = ms === undefined ? 'at once' : ms < 60_000 ? 'within a minute' : `in ${describeDuration(ms)}`;
  return `Your identity provider deactivated or deleted ${plural(count, 'user')} ${when}`;
}
