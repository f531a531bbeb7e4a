import type { LeadTime } from '@app/config';

/*
 * A key's reminder windows (REMINDER_LEAD_TIMES before its expiry): when each opens. The key module
 * uses them to say when the reminder job first looks at a new key; the notifications module, to
 * record the reminders and to schedule the next look.
 */

/**
 * The instant a lead time's reminder window opens for a key expiring at
 * `expiresAt`. Months are calendar months, clamped to the month's last day
 * (one month before March 31 is February 28/29, not March 3).
 */
export function windowOpensAt(expiresAt: Date, lead: LeadTime): Date {
  if (lead.unit === 'd') return new Date(expiresAt.getTime() - lead.amount * 86_400_000);
  if (lead.unit === 'h') return new Date(expiresAt.getTime() - lead.amount * 3_600_000);
  const d = new Date(expiresAt);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - lead.amount);
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, lastDay));
  return d;
}

/**
 * When the reminder job first looks at a key created at `now`: when its earliest window opens, or
 * `now` when one is open already (the next run records it); null for a key without expiry.
 */
export function firstWindowOpening(expiresAt: Date | null, leads: LeadTime[], now: Date): Date | null {
  if (!expiresAt) return null;
  const earliest = Math.min(...leads.map((l) => windowOpensAt(expiresAt, l).getTime()));
  return new Date(Math.max(earliest, now.getTime()));
}

/**
 * When the reminder job must look at a key next: the soonest opening, after `now`, of one of its
 * windows; null when none opens any more (every window open already, no expiry, or expired).
 */
export function nextWindowOpening(expiresAt: Date | null, leads: LeadTime[], now: Date): Date | null {
  if (!expiresAt || expiresAt.getTime() <= now.getTime()) return null;
  const later = leads.map((l) => windowOpensAt(expiresAt, l)).filter((at) => at.getTime() > now.getTime());
  return later.length ? new Date(Math.min(...later.map((at) => at.getTime()))) : null;
}

/**
 * Of the lead times whose windows are open at `now`, the most urgent (the one
 * closest to expiry): windows that passed unseen collapse into this one.
 */
export function mostUrgentOpenLead(expiresAt: Date, leads: LeadTime[], now: Date): LeadTime | null {
  const open = leads.filter((l) => windowOpensAt(expiresAt, l).getTime() <= now.getTime());
  if (!open.length) return null;
  return open.reduce((a, b) => (windowOpensAt(expiresAt, a) > windowOpensAt(expiresAt, b) ? a : b));
}
