import type { KeyPolicy } from '../api';
import { addDays, formatDate, isoDay, plural } from '../format';
import { Notice } from './ui';

/** The lifetimes offered, as GitHub offers them for tokens, with the server's proposed one among them. */
const PRESET_DAYS = [30, 60, 90, 365];
const DAY_MS = 86_400_000;

/** A number of days from today, a date of the admin's choosing, or no expiration (an explicit choice). */
export type ExpiryChoice = { kind: 'days'; days: number } | { kind: 'custom'; date: string } | { kind: 'never' };

export interface ExpiryLimits {
  /** The first possible day (tomorrow), YYYY-MM-DD. */
  earliest: string;
  /** The last day this server allows (API_KEY_MAX_LIFETIME_DAYS), if it has a limit. */
  latest?: string;
  /** The lifetime this server proposes (API_KEY_DEFAULT_LIFETIME_DAYS): preselected, and marked "recommended". */
  defaultDays: number;
}

/** From the server's policy (GET /v1.0/settings/api-keys `policy`). */
export function expiryLimits(policy: KeyPolicy, now = new Date()): ExpiryLimits {
  return {
    earliest: isoDay(addDays(now, 1)),
    // The server refuses later dates; the choices and the picker do not offer them.
    latest: policy.maxLifetimeDays ? isoDay(addDays(now, policy.maxLifetimeDays - 1)) : undefined,
    defaultDays: policy.defaultLifetimeDays,
  };
}

/**
 * The choice a dialog starts with: `days` from today (the server's proposed lifetime by default) when the
 * server allows it, else the longest lifetime it allows.
 */
export function initialExpiry(limits: ExpiryLimits, days = limits.defaultDays, now = new Date()): ExpiryChoice {
  if (!limits.latest || isoDay(addDays(now, days)) <= limits.latest) return { kind: 'days', days };
  return { kind: 'custom', date: limits.latest };
}

function defaultDate(limits: ExpiryLimits, now: Date): string {
  const date = isoDay(addDays(now, limits.defaultDays));
  return limits.latest && date > limits.latest ? limits.latest : date;
}

/** The expiry a key's successor starts with: the same lifetime as the key (the proposed one when it has none). */
export function successorExpiry(key: { createdAt: string; expiresAt: string | null }, limits: ExpiryLimits): ExpiryChoice {
  if (!key.expiresAt) return initialExpiry(limits);
  const days = Math.max(1, Math.round((Date.parse(key.expiresAt) - Date.parse(key.createdAt)) / DAY_MS));
  return initialExpiry(limits, days);
}

/** YYYY-MM-DD, null (never), or a sentence saying what to fix. */
export function resolveExpiry(choice: ExpiryChoice, limits: ExpiryLimits, now = new Date()): string | null | { error: string } {
  if (choice.kind === 'never') return null;
  const date = choice.kind === 'days' ? isoDay(addDays(now, choice.days)) : choice.date;
  if (!date) return { error: 'Choose an expiration date, or "No expiration" if the key must never expire.' };
  // The date picker offers only valid days, but a typed date need not be one: said here in words.
  if (date < limits.earliest) return { error: 'Choose an expiration date from tomorrow on: a key cannot expire in the past.' };
  if (limits.latest && date > limits.latest) {
    return {
      error: `Choose an expiration date on or before ${formatDate(`${limits.latest}T00:00:00Z`)}: this is the latest this server allows.`,
    };
  }
  return date;
}

const value = (choice: ExpiryChoice) => (choice.kind === 'days' ? String(choice.days) : choice.kind);

/**
 * Expiration: a lifetime, a custom date or "No expiration", which shows the strong warning; clearing the
 * custom date never means "never". `sameAsDays`: a lifetime to offer too (the rotated key's).
 */
export function ExpiryField({
  id,
  choice,
  limits,
  sameAsDays,
  onChange,
}: {
  id: string;
  choice: ExpiryChoice;
  limits: ExpiryLimits;
  sameAsDays?: number;
  onChange: (choice: ExpiryChoice) => void;
}) {
  const now = new Date();
  const allowed = (days: number) => !limits.latest || isoDay(addDays(now, days)) <= limits.latest;
  const days = [
    ...new Set([
      ...PRESET_DAYS,
      limits.defaultDays,
      ...(sameAsDays ? [sameAsDays] : []),
      ...(choice.kind === 'days' ? [choice.days] : []),
    ]),
  ]
    .filter(allowed)
    .sort((a, b) => a - b);
  const resolved = resolveExpiry(choice, limits, now);
  const hintId = `${id}-hint`;
  return (
    <div class="field">
      <label for={id} class="label">
        Expiration
      </label>
      <div class="expiry">
        <select
          id={id}
          class="select expiry-select"
          value={value(choice)}
          aria-describedby={hintId}
          onChange={(e) => {
            const selected = (e.target as HTMLSelectElement).value;
            if (selected === 'never') onChange({ kind: 'never' });
            // A custom date starts from the date chosen so far (or the default): the picker is never empty at first.
            else if (selected === 'custom')
              onChange({ kind: 'custom', date: typeof resolved === 'string' ? resolved : defaultDate(limits, now) });
            else onChange({ kind: 'days', days: Number(selected) });
          }}
        >
          {days.map((d) => (
            <option key={d} value={String(d)}>
              {d === 365 ? '1 year' : plural(d, 'day')}
              {d === sameAsDays ? ' (as this key)' : d === limits.defaultDays ? ' (recommended)' : ''}
            </option>
          ))}
          <option value="custom">Custom date…</option>
          <option value="never">No expiration</option>
        </select>
        {choice.kind === 'custom' && (
          <input
            id={`${id}-date`}
            class="input input-date"
            type="date"
            aria-label="Expiration date"
            min={limits.earliest}
            max={limits.latest}
            value={choice.date}
            aria-describedby={hintId}
            onInput={(e) => onChange({ kind: 'custom', date: (e.target as HTMLInputElement).value })}
          />
        )}
      </div>
      {choice.kind !== 'never' && (
        <p id={hintId} class="hint">
          {typeof resolved === 'string' && (
            <>
              The key stops working on <strong>{formatDate(`${resolved}T00:00:00Z`)}</strong> at 00:00 UTC.{' '}
            </>
          )}
          <strong>The expiration cannot be changed later</strong>: to extend it, rotate the key.
          {choice.kind === 'custom' && limits.latest ? ` At the latest ${formatDate(`${limits.latest}T00:00:00Z`)}.` : ''}
        </p>
      )}
      {choice.kind === 'never' && (
        <div role="alert">
          <Notice tone="danger" title="This key will never expire">
            A key without an expiration keeps working until someone deletes it, including if it leaks. Torii cannot remind anyone
            to rotate it. Choose an expiration unless you have a reason not to.
          </Notice>
        </div>
      )}
    </div>
  );
}
