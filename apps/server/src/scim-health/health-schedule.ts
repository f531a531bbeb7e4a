import type { MinuteCounts } from './scim-traffic.repository';

/** Failures above this share of the last 24 hours' SCIM requests make the connection degraded (Entra quarantines at 40%). */
export const DEGRADED_ERROR_RATE = 0.2;
/** Fewer requests than this in 24 hours are too few to call the connection degraded (one failure of two is not a trend). */
export const DEGRADED_MIN_REQUESTS = 10;
/** The window the counts cover. */
export const HEALTH_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Whether these counts of the window make a connection degraded (when it is not silent). */
export function isDegraded(requests: number, errors: number): boolean {
  return requests >= DEGRADED_MIN_REQUESTS && errors / requests > DEGRADED_ERROR_RATE;
}

/**
 * Whether requests without a failure, added to these counts, may change the verdict: they end a
 * degradation (the rate falls), and they start one only where there are too few requests to count yet
 * (3 failures of 3 requests is healthy; 7 successes later, 3 of 10 is degraded). Failures always may.
 */
export function successesMayChange(requests: number, errors: number): boolean {
  return isDegraded(requests, errors) || isDegraded(Math.max(requests, DEGRADED_MIN_REQUESTS), errors);
}

/** When the health monitor looks at a healthy or degraded connection again, as far as its counts go. */
export interface CountsPlan {
  /** The first instant at which the counts' ageing alone may change what the monitor must know; null: never. */
  dueAt: Date | null;
  /** Whether traffic without a failure may change the status now (then the traffic written marks it due). */
  watchTraffic: boolean;
}

/**
 * From the window's counts per minute (oldest first): whether traffic without a failure may change
 * the verdict now, and the first instant after which ageing alone (the counts of a minute leave the
 * window `HEALTH_WINDOW_MS` after it, the oldest first) either flips the verdict or makes such
 * traffic matter. Silence is not its business (the monitor reads it from the last use).
 *
 * Ageing flips the verdict both ways: failures leaving end a degradation, and successes leaving before
 * the failures that followed them start one (30 successes yesterday morning, 9 failures of 20 requests
 * this morning: 9 of 50 is healthy, 9 of 20 is not). Traffic added later only adds requests that leave
 * last: it can make a planned flip come later or not at all, never sooner, unless it fails (which marks
 * the organization due) or the plan watched it.
 */
export function countsPlan(series: readonly MinuteCounts[]): CountsPlan {
  let requests = 0;
  let errors = 0;
  for (const m of series) {
    requests += m.requests;
    errors += m.errors;
  }
  const degraded = isDegraded(requests, errors);
  const watchTraffic = successesMayChange(requests, errors);
  for (const m of series) {
    requests -= m.requests;
    errors -= m.errors;
    // The minute counts while it is at or after the window's start (now - window): it is gone just after minute + window.
    if (isDegraded(requests, errors) !== degraded || (!watchTraffic && successesMayChange(requests, errors)))
      return { dueAt: new Date(m.minute.getTime() + HEALTH_WINDOW_MS + 1), watchTraffic };
  }
  return { dueAt: null, watchTraffic };
}
