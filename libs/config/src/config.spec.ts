import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES, ConfigError, loadConfig, maskPasswords } from './config';

describe('configuration', () => {
  it('should start from the documented defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.database).toMatchObject({ type: 'sqlite' });
    expect(config.scim.rateLimitPerMinute).toBe(1500);
    expect(config.scim.rateLimitBurst).toBe(3000);
    expect(config.reminders.leadTimes).toEqual([{ label: '1M', amount: 1, unit: 'M' }]);
    expect(config.mail.smtpUrl).toBeUndefined();
  });

  it('should list in .env.example exactly the variables it reads, with the same defaults', () => {
    const text = readFileSync(join(__dirname, '../../../.env.example'), 'utf8');
    const documented = Object.fromEntries(
      text
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => {
          const [name, ...rest] = line.split('=');
          const value = rest.join('=');
          return [name, value.startsWith('"') ? JSON.parse(value) : value];
        }),
    );
    expect(documented).toEqual(Object.fromEntries(CONFIG_VARIABLES.map((v) => [v.name, v.default])));
  });

  it.each([
    ['PORT', 'abc', /PORT must be a whole number from 0 to 65535 \(got "abc"\)/],
    ['PORT', '70000', /PORT must be/],
    ['DATABASE_URL', 'postgres://x/y', /DATABASE_URL must be sqlite:<file path> or mysql:/],
    ['DATABASE_URL', 'mysql://root@localhost', /DATABASE_URL must be a mysql:\/\/ URL that names a database/],
    ['SMTP_URL', 'http://mail', /SMTP_URL must be a URL starting with smtp:\/\/ or smtps:\/\//],
    ['REMINDER_LEAD_TIMES', '30 days', /REMINDER_LEAD_TIMES must be a comma-separated list like 1M,7d,1d/],
    ['REMINDER_LEAD_TIMES', '0d', /REMINDER_LEAD_TIMES/],
    ['SCIM_RATE_LIMIT_PER_MINUTE', '-1', /SCIM_RATE_LIMIT_PER_MINUTE must be a whole number/],
    ['SCIM_RATE_LIMIT_BURST', '1.5', /SCIM_RATE_LIMIT_BURST must be a whole number/],
    ['REDIS_KEY_PREFIX', 'my prefix', /REDIS_KEY_PREFIX must be 1 to 64 printable characters without spaces/],
    ['BOOTSTRAP_ADMIN_EMAIL', 'admin', /BOOTSTRAP_ADMIN_EMAIL must be an email address/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of fatal, error/],
    ['SCHEDULER_ENABLED', 'maybe', /SCHEDULER_ENABLED must be true or false/],
    ['REMINDER_CRON', 'hourly', /REMINDER_CRON must be a cron expression/],
    ['BOOTSTRAP_ORG_NAME', 'n'.repeat(101), /BOOTSTRAP_ORG_NAME must be 1 to 100 characters without control characters/],
    ['BOOTSTRAP_ORG_NAME', 'Acme\u0007', /BOOTSTRAP_ORG_NAME must be 1 to 100 characters without control characters/],
    ['API_KEY_DEFAULT_LIFETIME_DAYS', '0', /API_KEY_DEFAULT_LIFETIME_DAYS must be a whole number from 1 to 36500/],
    ['SCIM_REQUEST_LOG_HOURS', '0', /SCIM_REQUEST_LOG_HOURS must be a whole number from 1 to 8760/],
    ['SCIM_REQUEST_LOG_MAX', '10k', /SCIM_REQUEST_LOG_MAX must be a whole number from 10 to 1000000/],
    [
      'SCIM_REDACT_ATTRIBUTES',
      'employeeNumber, emails[type eq "work"]',
      /SCIM_REDACT_ATTRIBUTES: 'emails\[type eq "work"\]' has a value filter/,
    ],
    ['SCIM_REDACT_ATTRIBUTES', 'name.given.x', /SCIM_REDACT_ATTRIBUTES: 'name.given.x' is not an attribute/],
  ])('should refuse %s=%s with a sentence naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('should read the inspector settings: 72 hours, 10,000 requests, nothing redacted but password by default', () => {
    expect(loadConfig({}).scimRequestLog).toEqual({ hours: 72, maxPerOrganization: 10_000, redactAttributes: [] });
    expect(
      loadConfig({
        SCIM_REQUEST_LOG_HOURS: '24',
        SCIM_REQUEST_LOG_MAX: '500',
        SCIM_REDACT_ATTRIBUTES: ' employeeNumber, ,emails.value ',
      }).scimRequestLog,
    ).toEqual({ hours: 24, maxPerOrganization: 500, redactAttributes: ['employeeNumber', 'emails.value'] });
  });

  it('should link to its own port when APP_URL is unset, and to APP_URL (without a trailing slash) when set', () => {
    expect(loadConfig({}).appUrl).toBe('http://localhost:3000');
    expect(loadConfig({ PORT: '8080' }).appUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PORT: '8080', APP_URL: ' ' }).appUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PORT: '8080', APP_URL: 'https://torii.example.com/' }).appUrl).toBe('https://torii.example.com');
    expect(() => loadConfig({ APP_URL: 'ftp://x' })).toThrow(/APP_URL/);
  });

  it('should give keys 90 days by default, within API_KEY_MAX_LIFETIME_DAYS', () => {
    expect(loadConfig({}).apiKeys).toMatchObject({ defaultLifetimeDays: 90, maxLifetimeDays: 3653 });
    expect(loadConfig({ API_KEY_DEFAULT_LIFETIME_DAYS: '30' }).apiKeys.defaultLifetimeDays).toBe(30);
    // Unset under a shorter maximum: the maximum. Set above it: refused.
    expect(loadConfig({ API_KEY_MAX_LIFETIME_DAYS: '60' }).apiKeys.defaultLifetimeDays).toBe(60);
    expect(
      loadConfig({ API_KEY_MAX_LIFETIME_DAYS: '0', API_KEY_DEFAULT_LIFETIME_DAYS: '5000' }).apiKeys.defaultLifetimeDays,
    ).toBe(5000);
    expect(() => loadConfig({ API_KEY_MAX_LIFETIME_DAYS: '60', API_KEY_DEFAULT_LIFETIME_DAYS: '90' })).toThrow(
      'Invalid configuration: API_KEY_DEFAULT_LIFETIME_DAYS must be a whole number from 1 to API_KEY_MAX_LIFETIME_DAYS (60) (got "90").',
    );
  });

  it('should take a first organization name of up to 100 characters', () => {
    expect(loadConfig({ BOOTSTRAP_ORG_NAME: ' Acme Corporation ' }).bootstrap.organizationName).toBe('Acme Corporation');
    expect(loadConfig({ BOOTSTRAP_ORG_NAME: 'a'.repeat(100) }).bootstrap.organizationName).toHaveLength(100);
  });

  it('should accept MySQL and MariaDB URLs and several lead times', () => {
    const config = loadConfig({ DATABASE_URL: 'mariadb://root@127.0.0.1:3306/torii', REMINDER_LEAD_TIMES: '1M, 7d,1d,7d' });
    expect(config.database).toMatchObject({ type: 'mysql', url: 'mysql://root@127.0.0.1:3306/torii', poolSize: 10 });
    expect(config.reminders.leadTimes.map((l) => l.label)).toEqual(['1M', '7d', '1d']);
  });
});

describe('maskPasswords', () => {
  it('should hide the password of every URL in a text, and leave the rest', () => {
    expect(maskPasswords('mysql://torii:s3cr%40t@db:3306/torii and smtps://u:p@mail')).toBe(
      'mysql://torii:***@db:3306/torii and smtps://u:***@mail',
    );
    expect(maskPasswords('mysql://root@127.0.0.1:3306/torii')).toBe('mysql://root@127.0.0.1:3306/torii');
  });

  it('should keep passwords out of configuration errors', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://torii:hunter2@db' })).toThrow(/mysql:\/\/torii:\*\*\*@db/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://torii:hunter2@db' })).not.toThrow(/hunter2/);
  });
});
