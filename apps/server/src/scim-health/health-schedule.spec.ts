import { countsPlan, isDegraded, successesMayChange } from './health-schedule';

const HOUR = 3_600_000;
const at = (hours: number) => new Date(Date.UTC(2027, 0, 1) + hours * HOUR);
/** Just after the minute at `hours` leaves the 24-hour window. */
const leaving = (hours: number) => new Date(at(hours + 24).getTime() + 1);

describe('the degradation rule', () => {
  it('should call degraded more than 20% failures of at least 10 requests', () => {
    expect(isDegraded(10, 3)).toBe(true);
    expect(isDegraded(10, 2)).toBe(false);
    expect(isDegraded(9, 9)).toBe(false);
  });

  it('should say when requests without a failure may change the verdict', () => {
    expect(successesMayChange(3, 3)).toBe(true); // 3 of 3 is too few; 3 of 10 would be degraded
    expect(successesMayChange(5, 2)).toBe(false); // 2 failures can never be more than 20% of 10 or more
    expect(successesMayChange(100, 3)).toBe(false); // healthy, and more successes keep it so
    expect(successesMayChange(12, 6)).toBe(true); // degraded: successes end it
  });
});

describe('countsPlan', () => {
  it('should plan the end of a degradation when enough failures have left the window', () => {
    // 10 failures at 01:00, then 20 successes at 05:00: 10 of 30 (33%) is degraded; without the 01:00 minute, 0 of 20.
    const series = [
      { minute: at(1), requests: 10, errors: 10 },
      { minute: at(5), requests: 20, errors: 0 },
    ];
    expect(countsPlan(series)).toEqual({ dueAt: leaving(1), watchTraffic: true });
  });

  it('should plan the start of a degradation when successes leave the window before the failures that followed them', () => {
    const series = [
      { minute: at(1), requests: 30, errors: 0 },
      { minute: at(9), requests: 20, errors: 9 },
    ];
    expect(isDegraded(50, 9)).toBe(false);
    expect(countsPlan(series)).toEqual({ dueAt: leaving(1), watchTraffic: false });
  });

  it('should end a degradation once too few requests are left to call it one', () => {
    const series = [
      { minute: at(1), requests: 5, errors: 0 },
      { minute: at(2), requests: 6, errors: 6 },
    ];
    // 6 of 11 is degraded; 6 of 6 is too few requests (fewer than 10).
    expect(countsPlan(series)).toEqual({ dueAt: leaving(1), watchTraffic: true });
  });

  it('should plan when traffic without a failure starts to matter, and watch it only from then', () => {
    // 3 failures among 100 requests: healthy, and successes cannot change that; once the 97 successes
    // of 01:00 have left, 3 of 3 remain: too few to count, and 7 successes would make it degraded.
    const series = [
      { minute: at(1), requests: 97, errors: 0 },
      { minute: at(2), requests: 3, errors: 3 },
    ];
    expect(countsPlan(series)).toEqual({ dueAt: leaving(1), watchTraffic: false });
  });

  it('should plan nothing when no minute leaving changes what matters', () => {
    const series = [
      { minute: at(1), requests: 100, errors: 1 },
      { minute: at(2), requests: 100, errors: 1 },
    ];
    expect(countsPlan(series)).toEqual({ dueAt: null, watchTraffic: false });
    expect(countsPlan([])).toEqual({ dueAt: null, watchTraffic: false });
  });
});
