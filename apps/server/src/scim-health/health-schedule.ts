import type { MinuteCounts } from './scim-traffic.repository';

/**
 * The first instant after which ageing alone, with no new request, turns the window's counts from
 * degraded to not degraded or back (`degraded(requests, errors)` decides): the counts of a minute
 * leave the window `windowMs` after it, the oldest first. Null when no minute's leaving changes the
 * verdict. `series` is the window's counts per minute, oldest first.
 *
 * Both ways happen: failures ageing out end a degradation; and successes ageing out before the
 * failures that followed them can start one (30 successes yesterday morning, 9 failures of 20 requests
 * this morning: 9 of 50 is healthy, 9 of 20 is not).
 */
export function nextAgeingChange(
  series: readonly MinuteCounts[],
  windowMs: number,
  degraded: (requests: number, errors: number) => boolean,
): Date | null {
  let requests = 0;
  let errors = 0;
  for (const m of series) {
    requests += m.requests;
    errors += m.errors;
  }
  const now = degraded(requests, errors);
  for (const m of series) {
    requests -= m.requests;
    errors -= m.errors;
    // The minute counts while it is at or after the window's start (now - windowMs): it is gone just after minute + windowMs.
    if (degraded(requests, errors) !== now) return new Date(m.minute.getTime() + windowMs + 1);
  }
  return null;
}
