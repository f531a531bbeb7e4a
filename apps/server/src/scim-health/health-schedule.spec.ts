import { nextAgeingChange } from './health-schedule';
import { isDegraded } from './scim-health.service';

const HOUR = 3_600_000;
const WINDOW = 24 * HOUR;
const at = (hours: number) => new Date(Date.UTC(2027, 0, 1) + hours * HOUR);

describe('nextAgeingChange', () => {
  it('should end a degradation when enough failures have left the window', () => {
    // 10 failures at 01:00, then 20 successes at 05:00: 10 of 30 (33%) is degraded; without the 01:00 minute, 0 of 20.
    const series = [
      { minute: at(1), requests: 10, errors: 10 },
      { minute: at(5), requests: 20, errors: 0 },
    ];
    expect(nextAgeingChange(series, WINDOW, isDegraded)).toEqual(new Date(at(25).getTime() + 1));
  });

  it('should start a degradation when successes leave the window before the failures that followed them', () => {
    const series = [
      { minute: at(1), requests: 30, errors: 0 },
      { minute: at(9), requests: 20, errors: 9 },
    ];
    expect(isDegraded(50, 9)).toBe(false);
    expect(nextAgeingChange(series, WINDOW, isDegraded)).toEqual(new Date(at(25).getTime() + 1));
  });

  it('should end a degradation once too few requests are left to call it one', () => {
    const series = [
      { minute: at(1), requests: 5, errors: 0 },
      { minute: at(2), requests: 6, errors: 6 },
    ];
    // 6 of 11 is degraded; 6 of 6 is too few requests (fewer than 10).
    expect(nextAgeingChange(series, WINDOW, isDegraded)).toEqual(new Date(at(25).getTime() + 1));
  });

  it('should say null when no minute leaving changes the verdict', () => {
    const series = [
      { minute: at(1), requests: 100, errors: 1 },
      { minute: at(2), requests: 100, errors: 1 },
    ];
    expect(nextAgeingChange(series, WINDOW, isDegraded)).toBeNull();
    expect(nextAgeingChange([], WINDOW, isDegraded)).toBeNull();
  });
});
