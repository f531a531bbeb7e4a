import { firstWindowOpening, mostUrgentOpenLead, nextWindowOpening, windowOpensAt } from './reminder-windows';

const month = { label: '1M', amount: 1, unit: 'M' as const };
const week = { label: '7d', amount: 7, unit: 'd' as const };
const day = { label: '1d', amount: 1, unit: 'd' as const };

describe('reminder lead times', () => {
  it('should open a one-month window one calendar month before expiry', () => {
    expect(windowOpensAt(new Date('2027-06-30T00:00:00Z'), month).toISOString()).toBe('2027-05-30T00:00:00.000Z');
    expect(windowOpensAt(new Date('2027-01-15T10:30:00Z'), month).toISOString()).toBe('2026-12-15T10:30:00.000Z');
  });

  it('should clamp to the end of a shorter month', () => {
    expect(windowOpensAt(new Date('2027-03-31T00:00:00Z'), month).toISOString()).toBe('2027-02-28T00:00:00.000Z');
    expect(windowOpensAt(new Date('2028-03-31T00:00:00Z'), month).toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });

  it('should count days and hours exactly', () => {
    expect(windowOpensAt(new Date('2027-03-08T00:00:00Z'), week).toISOString()).toBe('2027-03-01T00:00:00.000Z');
    expect(windowOpensAt(new Date('2027-03-08T00:00:00Z'), { label: '12h', amount: 12, unit: 'h' }).toISOString()).toBe(
      '2027-03-07T12:00:00.000Z',
    );
  });

  it('should pick the most urgent open lead so passed windows collapse into one', () => {
    const expiresAt = new Date('2027-06-30T00:00:00Z');
    expect(mostUrgentOpenLead(expiresAt, [month, week, day], new Date('2027-05-01T00:00:00Z'))).toBeNull();
    expect(mostUrgentOpenLead(expiresAt, [month, week, day], new Date('2027-06-01T00:00:00Z'))?.label).toBe('1M');
    expect(mostUrgentOpenLead(expiresAt, [month, week, day], new Date('2027-06-25T00:00:00Z'))?.label).toBe('7d');
    expect(mostUrgentOpenLead(expiresAt, [day, month, week], new Date('2027-06-29T12:00:00Z'))?.label).toBe('1d');
  });

  it('should look at a key next when its next window opens, and never once none is left', () => {
    const expires = new Date('2027-05-01T00:00:00Z');
    const leads = [month, week, day];
    const next = (now: string) => nextWindowOpening(expires, leads, new Date(now))?.toISOString() ?? null;
    expect(next('2027-03-01T00:00:00Z')).toBe('2027-04-01T00:00:00.000Z');
    expect(next('2027-04-01T00:00:00Z')).toBe('2027-04-24T00:00:00.000Z');
    expect(next('2027-04-29T00:00:00Z')).toBe('2027-04-30T00:00:00.000Z');
    expect(next('2027-04-30T00:00:00Z')).toBeNull();
    expect(next('2027-05-02T00:00:00Z')).toBeNull();
    expect(nextWindowOpening(null, leads, new Date('2027-03-01T00:00:00Z'))).toBeNull();
  });

  it('should look at a new key first when its earliest window opens, or at once when one is open', () => {
    const expires = new Date('2027-05-01T00:00:00Z');
    const first = (now: string) => firstWindowOpening(expires, [week, month], new Date(now))?.toISOString() ?? null;
    expect(first('2027-01-01T00:00:00Z')).toBe('2027-04-01T00:00:00.000Z');
    expect(first('2027-04-10T09:00:00Z')).toBe('2027-04-10T09:00:00.000Z');
    expect(firstWindowOpening(null, [month], new Date('2027-01-01T00:00:00Z'))).toBeNull();
  });
});
