import { describe, expect, it } from '@jest/globals';
import {
  describeActor,
  describeBurst,
  describeChange,
  describeDuration,
  formatSpan,
  describeExpiry,
  describeLeadTime,
  formatDate,
  formatDateTime,
  humanizeInstants,
  userLabel,
} from './format';

describe('settings UI formatting', () => {
  const now = new Date('2026-05-01T12:00:00Z');

  it('should say a key has no expiration', () => {
    expect(describeExpiry(null, now)).toEqual({ relative: 'No expiration', tone: 'none' });
  });

  it('should count the days left, rounding a part day up', () => {
    expect(describeExpiry('2026-07-01T00:00:00Z', now)).toEqual({ relative: 'Expires in 61 days', tone: 'ok' });
    expect(describeExpiry('2026-05-03T00:00:00Z', now)).toEqual({ relative: 'Expires in 2 days', tone: 'warning' });
    expect(describeExpiry('2026-05-02T00:00:00Z', now)).toEqual({ relative: 'Expires in less than a day', tone: 'warning' });
  });

  it('should warn inside the 30-day reminder window and not before', () => {
    expect(describeExpiry('2026-05-31T12:00:00Z', now).tone).toBe('warning');
    expect(describeExpiry('2026-06-01T12:00:00Z', now).tone).toBe('ok');
  });

  it('should say when a key expired', () => {
    expect(describeExpiry('2026-05-01T12:00:00Z', now)).toEqual({ relative: 'Expired today', tone: 'expired' });
    expect(describeExpiry('2026-04-28T00:00:00Z', now)).toEqual({ relative: 'Expired 3 days ago', tone: 'expired' });
  });

  it('should show dates in UTC', () => {
    expect(formatDate('2027-06-30T00:00:00.000Z')).toBe('Jun 30, 2027');
    expect(formatDateTime('2027-06-30T21:05:00.000Z')).toBe('Jun 30, 2027, 21:05 UTC');
  });

  it('should describe lead times and users in words', () => {
    expect(describeLeadTime('1M')).toBe('1 month before');
    expect(describeLeadTime('7d')).toBe('7 days before');
    expect(userLabel({ displayName: null, firstName: 'Ada', lastName: 'Lovelace' })).toBe('Ada Lovelace');
    expect(userLabel({ displayName: null, firstName: null, lastName: null })).toBeNull();
  });

  it("should write the API's instants as people read them, and leave other text alone", () => {
    expect(humanizeInstants('The key expired at 2026-11-29T20:57:39.000Z. Generate a new key.')).toBe(
      'The key expired at Nov 29, 2026, 20:57 UTC. Generate a new key.',
    );
    expect(humanizeInstants('expiresAt must be a date (YYYY-MM-DD)')).toBe('expiresAt must be a date (YYYY-MM-DD)');
  });

  it('should describe an audit change in one line', () => {
    expect(describeChange({ attribute: 'title', from: 'Engineer', to: 'Lead' })).toBe('title: "Engineer" → "Lead"');
    expect(describeChange({ attribute: 'members', to: ['1', '2', '3', '4', '5'] })).toBe('members: "1", "2", "3" and 2 more');
    expect(describeChange({ attribute: 'role', from: 'Admin' })).toBe('role: was "Admin"');
  });

  it('should name who acted as the audit log does', () => {
    expect(describeActor({ type: 'scim-key', keyId: '3', maskedKey: 'torii_scim_…a1b2', description: 'Okta' })).toBe(
      'SCIM key Okta (torii_scim_…a1b2)',
    );
    expect(describeActor({ type: 'api-key', keyId: '1', maskedKey: 'torii_api_…9f0e', description: null })).toBe(
      'API key torii_api_…9f0e',
    );
    expect(describeActor({ type: 'cli' })).toBe('Operator CLI');
    expect(describeActor({ type: 'system' })).toBe('Torii (scheduled job)');
    expect(describeActor({ type: 'system', description: 'First start' })).toBe('Torii (first start)');
  });

  it('should say a span of time in words', () => {
    expect(describeDuration(20_000)).toBe('less than a minute');
    expect(describeDuration(60_000)).toBe('1 minute');
    expect(describeDuration(12 * 60_000 + 59_000)).toBe('12 minutes');
    expect(describeDuration(125 * 60_000)).toBe('2 hours 5 minutes');
    expect(describeDuration(3 * 60 * 60_000)).toBe('3 hours');
    expect(describeDuration(72 * 60 * 60_000)).toBe('3 days');
  });

  it('should describe a deprovisioning burst in one sentence', () => {
    expect(describeBurst(37, { from: '2026-05-01T12:00:00Z', to: '2026-05-01T12:12:30Z' })).toBe(
      'Your identity provider deactivated or deleted 37 users in 12 minutes',
    );
    expect(describeBurst(10, { from: '2026-05-01T12:00:00Z', to: '2026-05-01T12:00:05Z' })).toBe(
      'Your identity provider deactivated or deleted 10 users within a minute',
    );
    expect(describeBurst(1)).toBe('Your identity provider deactivated or deleted 1 user at once');
  });

  it('should write a span of time once per day', () => {
    expect(formatSpan('2026-12-07T19:20:10Z', '2026-12-07T19:32:00Z')).toBe('Dec 7, 2026, 19:20–19:32 UTC');
    expect(formatSpan('2026-12-07T19:20:10Z', '2026-12-07T19:20:50Z')).toBe('Dec 7, 2026, 19:20 UTC');
    expect(formatSpan('2026-12-07T23:50:00Z', '2026-12-08T00:10:00Z')).toBe('Dec 7, 2026, 23:50 UTC to Dec 8, 2026, 00:10 UTC');
  });
});
