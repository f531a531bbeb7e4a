import { nextRunOf } from './scheduled-job';

describe('nextRunOf', () => {
  it('should give the next firing of a cron expression in UTC', () => {
    expect(nextRunOf('0 * * * *', new Date('2027-01-01T09:15:00Z'))).toBe('2027-01-01T10:00:00.000Z');
    expect(nextRunOf('30 3 * * *', new Date('2027-01-01T09:15:00Z'))).toBe('2027-01-02T03:30:00.000Z');
    expect(nextRunOf('*/5 * * * *', new Date('2027-01-01T09:15:00Z'))).toBe('2027-01-01T09:20:00.000Z');
  });

  it('should say null for an expression it cannot read', () => {
    expect(nextRunOf('every hour', new Date())).toBeNull();
  });
});
