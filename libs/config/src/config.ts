import { compileRedactionRules } from '@app/scim-protocol';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The one place that reads the environment. Every variable is listed with its
 * default in `.env.example` and in docs/configuration.md; a bad value stops the
 * process at boot with a sentence naming the variable and what is allowed.
 */
export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  /** Public base URL of this server, used in SCIM `meta.location` and in emails. */
  appUrl: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  database: DatabaseConfig;
  bootstrap: { enabled: boolean; organizationName: string; adminEmail: string; adminName?: string; keyFile: string };
  scim: {
    rateLimitPerMinute: number;
    /** Requests a key may make past its per-minute limit within 10 minutes (auth/key-rate-limit.ts). */
    rateLimitBurst: number;
    redisUrl?: string;
    redisKeyPrefix: string;
    searchTimeoutMs: number;
    searchMaxRows: number;
  };
  apiKeys: {
    cacheTtlMs: number;
    maxLifetimeDays: number;
    /** The expiration, in days, of the keys the first start and the CLI generate unless told otherwise (`--never-expires`). */
    defaultLifetimeDays: number;
  };
  mail: { smtpUrl?: string; outboxDir: string; from: string };
  reminders: {
    /** Lead times before `expiresAt`, e.g. `1M` (one calendar month), `7d`, `12h`. */
    leadTimes: LeadTime[];
    cron: string;
    schedulerEnabled: boolean;
    maxAttempts: number;
    retryBaseSeconds: number;
    leaseSeconds: number;
  };
  audit: { retentionDays: number; pruneCron: string };
  scimHealth: { silentHours: number; cron: string };
  /** The deprovisioning safety net (safety-net/): deleted users kept, bursts of deprovisioning noticed. */
  safetyNet: {
    retentionDays: number;
    purgeCron: string;
    burstWindowMinutes: number;
    /** A burst: at least this many users deactivated or deleted through SCIM within the window… */
    burstThreshold: number;
    /** …and at least this percentage of the organization's users active when the window began. */
    burstPercent: number;
    /** When pending incident alerts are put in the outbox and sent (every minute). */
    alertCron: string;
  };
  metrics: { enabled: boolean; token?: string };
  /** The provisioning inspector (scim-requests/): every SCIM request kept, bounded, with redacted bodies. */
  scimRequestLog: {
    /** Hours a request is kept. */
    hours: number;
    /** Requests kept per organization, oldest dropped first. */
    maxPerOrganization: number;
    /** Attributes whose values are redacted like password (SCIM_REDACT_ATTRIBUTES), as written. */
    redactAttributes: string[];
  };
  shutdownTimeoutMs: number;
}

export type DatabaseConfig =
  | { type: 'sqlite'; path: string; logQueries: boolean }
  | {
      type: 'mysql';
      url: string;
      poolSize: number;
      logQueries: boolean;
      /** Refuse a second pooled connection asked for inside a transaction (ConnectionGuard; costs throughput). */
      guardNestedConnections: boolean;
    };

export interface LeadTime {
  /** As written in the configuration, e.g. `1M`, `7d`: also the reminder's stored key. */
  label: string;
  amount: number;
  unit: 'M' | 'd' | 'h';
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Every variable, its default and what it means: the source of `.env.example`. */
export const CONFIG_VARIABLES: ReadonlyArray<{ name: string; default: string; help: string }> = [
  { name: 'NODE_ENV', default: 'development', help: 'development | production | test' },
  { name: 'HOST', default: '0.0.0.0', help: 'Interface the HTTP server listens on.' },
  { name: 'PORT', default: '3000', help: 'HTTP port.' },
  {
    name: 'APP_URL',
    default: '',
    help: 'Public base URL (SCIM meta.location, links in reminder emails). Empty: http://localhost:<PORT>.',
  },
  { name: 'LOG_LEVEL', default: 'info', help: 'fatal | error | warn | info | debug | trace | silent' },
  {
    name: 'DATABASE_URL',
    default: 'sqlite:./data/torii.sqlite',
    help: 'sqlite:<file> (embedded default) or mysql://user:pass@host:3306/db (MySQL 8 / MariaDB 10.11).',
  },
  { name: 'DATABASE_POOL_SIZE', default: '10', help: 'MySQL connection pool size per process.' },
  {
    name: 'DATABASE_GUARD_NESTED_CONNECTIONS',
    default: 'false',
    help: 'MySQL: fail any statement that asks the pool for a second connection inside a transaction (a test-suite guard; halves throughput on Node 20).',
  },
  { name: 'DATABASE_LOG_QUERIES', default: 'false', help: 'Log every SQL statement (debugging).' },
  { name: 'BOOTSTRAP_ENABLED', default: 'true', help: 'On an empty database, create a first organization, Admin and API key.' },
  {
    name: 'BOOTSTRAP_ORG_NAME',
    default: 'My Organization',
    help: 'Name of the first organization (1 to 100 characters); set it before the first start (it can be renamed later).',
  },
  {
    name: 'BOOTSTRAP_ADMIN_EMAIL',
    default: 'admin@example.com',
    help: "Email (userName) of the first organization's Admin, who gets key-expiry reminders and alerts; set it before the first start.",
  },
  {
    name: 'BOOTSTRAP_ADMIN_NAME',
    default: '',
    help: "Full name of the first organization's Admin (displayName and name); none if empty.",
  },
  {
    name: 'BOOTSTRAP_KEY_FILE',
    default: './data/first-run-key.txt',
    help: 'Where the first-run key is written (readable only by its owner) when standard output is not a terminal.',
  },
  {
    name: 'SCIM_SEARCH_TIMEOUT_MS',
    default: '2000',
    help: 'Time limit of one SCIM search statement (filter, sort, page); past it the request is refused with 400 tooMany.',
  },
  {
    name: 'SCIM_SEARCH_MAX_ROWS',
    default: '1000000',
    help: 'Rows a SCIM search may be estimated to read (filter comparisons × rows compared, sorting); above it the search is refused with 400 tooMany before it runs.',
  },
  {
    name: 'SCIM_RATE_LIMIT_PER_MINUTE',
    default: '1500',
    help: "Requests per minute per SCIM key (1500 = 25 a second, Microsoft Entra's figure for gallery apps); 0 turns rate limiting off.",
  },
  {
    name: 'SCIM_RATE_LIMIT_BURST',
    default: '3000',
    help: "Requests a SCIM key may make past its per-minute limit within 10 minutes (an identity provider's first sync); 0: none.",
  },
  { name: 'REDIS_URL', default: '', help: 'redis://host:6379 to share rate-limit counters between instances.' },
  {
    name: 'REDIS_KEY_PREFIX',
    default: 'torii:',
    help: 'Prefix of the Redis keys this deployment writes, so several deployments can share one Redis.',
  },
  {
    name: 'API_KEY_MAX_LIFETIME_DAYS',
    default: '3653',
    help: "Longest expiration a new key may have, in days from its creation (3653: ten years; 366 is GitHub's limit); 0 = no limit. Keys without an expiration stay possible.",
  },
  {
    name: 'API_KEY_DEFAULT_LIFETIME_DAYS',
    default: '90',
    help: 'Expiration, in days, of the keys the first start and the CLI generate (keys:create, org:create) unless --never-expires is given; at most API_KEY_MAX_LIFETIME_DAYS.',
  },
  {
    name: 'API_KEY_CACHE_TTL_MS',
    default: '1000',
    help: 'How long a verified key is cached in a process (0 = no cache). Deletes take effect at once on the deleting instance.',
  },
  { name: 'SMTP_URL', default: '', help: 'smtp(s)://user:pass@host:port; empty writes mail as .eml files to MAIL_OUTBOX_DIR.' },
  { name: 'MAIL_OUTBOX_DIR', default: './data/outbox', help: 'Where mail goes when SMTP_URL is empty.' },
  { name: 'MAIL_FROM', default: 'Torii <no-reply@localhost>', help: 'Sender of reminder emails.' },
  {
    name: 'REMINDER_LEAD_TIMES',
    default: '1M',
    help: 'Comma-separated lead times before a key expires: 1M = one calendar month, 7d = seven days, 12h = twelve hours.',
  },
  { name: 'REMINDER_CRON', default: '0 * * * *', help: 'When the reminder job runs (cron syntax, UTC).' },
  { name: 'SCHEDULER_ENABLED', default: 'true', help: 'Run scheduled jobs in this process (false on web-only instances).' },
  { name: 'REMINDER_MAX_ATTEMPTS', default: '8', help: 'Send attempts before a reminder is marked failed.' },
  { name: 'REMINDER_RETRY_BASE_SECONDS', default: '300', help: 'First retry delay; doubles on each further attempt.' },
  {
    name: 'REMINDER_LEASE_SECONDS',
    default: '300',
    help: 'How long a claimed reminder is reserved for its sender before another may retake it.',
  },
  { name: 'AUDIT_RETENTION_DAYS', default: '180', help: 'Days an audit-log event is kept before the pruning job deletes it.' },
  { name: 'AUDIT_PRUNE_CRON', default: '30 3 * * *', help: 'When the audit-log pruning job runs (cron syntax, UTC).' },
  {
    name: 'SCIM_SILENT_HOURS',
    default: '24',
    help: 'Hours without a SCIM request after which a connected organization (SCIM on) is "silent" and its Admins are emailed.',
  },
  {
    name: 'SCIM_HEALTH_CRON',
    default: '*/5 * * * *',
    help: 'When SCIM connection health is checked for transitions (emails on entering degraded or silent), cron syntax, UTC.',
  },
  {
    name: 'DELETED_USER_RETENTION_DAYS',
    default: '30',
    help: 'Days a deleted user stays restorable (attributes, role, state, groups) before the purge job removes it for good.',
  },
  {
    name: 'DELETED_USER_PURGE_CRON',
    default: '45 * * * *',
    help: 'When the purge of deleted users past retention runs (cron syntax, UTC).',
  },
  {
    name: 'DEPROVISION_BURST_WINDOW_MINUTES',
    default: '60',
    help: 'The window in which deactivations and deletions through SCIM are counted towards a deprovisioning burst.',
  },
  {
    name: 'DEPROVISION_BURST_THRESHOLD',
    default: '10',
    help: 'Users deactivated or deleted through SCIM within the window that open a deprovisioning incident (with DEPROVISION_BURST_PERCENT).',
  },
  {
    name: 'DEPROVISION_BURST_PERCENT',
    default: '10',
    help: "…and the share of the organization's users active when the window began that they must also reach (percent).",
  },
  {
    name: 'DEPROVISION_ALERT_CRON',
    default: '* * * * *',
    help: "When a new deprovisioning incident's email is put in the outbox and sent (cron syntax, UTC; every minute).",
  },
  {
    name: 'SCIM_REQUEST_LOG_HOURS',
    default: '72',
    help: 'Hours every SCIM request (method, path, status, redacted bodies) is kept for the provisioning inspector.',
  },
  {
    name: 'SCIM_REQUEST_LOG_MAX',
    default: '10000',
    help: 'SCIM requests kept per organization for the provisioning inspector; the oldest go first.',
  },
  {
    name: 'SCIM_REDACT_ATTRIBUTES',
    default: '',
    help: 'Comma-separated attributes the provisioning inspector stores as "[redacted]", like password: employeeNumber, name.familyName, emails.value, urn:…:enterprise:2.0:User:manager.',
  },
  { name: 'METRICS_ENABLED', default: 'false', help: 'Serve Prometheus metrics at GET /metrics.' },
  {
    name: 'METRICS_TOKEN',
    default: '',
    help: 'When set, GET /metrics needs "Authorization: Bearer <token>"; empty: /metrics is open (keep it off the public network).',
  },
  { name: 'SHUTDOWN_TIMEOUT_MS', default: '10000', help: 'Grace period for in-flight requests on SIGTERM.' },
];

const DEFAULTS: Record<string, string> = Object.fromEntries(CONFIG_VARIABLES.map((v) => [v.name, v.default]));

/**
 * Builds the configuration from an environment (process.env by default).
 * Throws ConfigError with one sentence naming the first bad variable.
 */
export function loadConfig(env: Env = readProcessEnv()): AppConfig {
  const get = (name: string): string => {
    const raw = env[name];
    return raw === undefined || raw === '' ? DEFAULTS[name] : raw.trim();
  };
  const nodeEnv = oneOf(get, 'NODE_ENV', ['development', 'production', 'test'] as const);
  const port = integer(get, 'PORT', 0, 65535);
  const config: AppConfig = {
    nodeEnv,
    host: nonEmpty(get, 'HOST'),
    port,
    // Unset, it follows PORT, so that a local run on another port still links to itself.
    appUrl: (get('APP_URL') ? url(get, 'APP_URL', ['http:', 'https:']) : `http://localhost:${port}`).replace(/\/+$/, ''),
    logLevel: oneOf(get, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    database: database(get),
    bootstrap: {
      enabled: boolean(get, 'BOOTSTRAP_ENABLED'),
      organizationName: organizationName(get, 'BOOTSTRAP_ORG_NAME'),
      adminEmail: email(get, 'BOOTSTRAP_ADMIN_EMAIL'),
      adminName: get('BOOTSTRAP_ADMIN_NAME')?.trim() || undefined,
      keyFile: nonEmpty(get, 'BOOTSTRAP_KEY_FILE'),
    },
    scim: {
      rateLimitPerMinute: integer(get, 'SCIM_RATE_LIMIT_PER_MINUTE', 0, 1_000_000),
      rateLimitBurst: integer(get, 'SCIM_RATE_LIMIT_BURST', 0, 10_000_000),
      redisUrl: get('REDIS_URL') ? url(get, 'REDIS_URL', ['redis:', 'rediss:']) : undefined,
      redisKeyPrefix: redisKeyPrefix(get),
      searchTimeoutMs: integer(get, 'SCIM_SEARCH_TIMEOUT_MS', 10, 60_000),
      searchMaxRows: integer(get, 'SCIM_SEARCH_MAX_ROWS', 1000, 1_000_000_000),
    },
    apiKeys: apiKeys(get, env),
    mail: {
      smtpUrl: get('SMTP_URL') ? url(get, 'SMTP_URL', ['smtp:', 'smtps:']) : undefined,
      outboxDir: resolve(nonEmpty(get, 'MAIL_OUTBOX_DIR')),
      from: nonEmpty(get, 'MAIL_FROM'),
    },
    reminders: {
      leadTimes: leadTimes(get),
      cron: cron(get, 'REMINDER_CRON'),
      schedulerEnabled: boolean(get, 'SCHEDULER_ENABLED'),
      maxAttempts: integer(get, 'REMINDER_MAX_ATTEMPTS', 1, 100),
      retryBaseSeconds: integer(get, 'REMINDER_RETRY_BASE_SECONDS', 1, 86_400),
      leaseSeconds: integer(get, 'REMINDER_LEASE_SECONDS', 10, 86_400),
    },
    audit: { retentionDays: integer(get, 'AUDIT_RETENTION_DAYS', 1, 36_500), pruneCron: cron(get, 'AUDIT_PRUNE_CRON') },
    scimHealth: { silentHours: integer(get, 'SCIM_SILENT_HOURS', 1, 8_760), cron: cron(get, 'SCIM_HEALTH_CRON') },
    safetyNet: {
      retentionDays: integer(get, 'DELETED_USER_RETENTION_DAYS', 1, 3_650),
      purgeCron: cron(get, 'DELETED_USER_PURGE_CRON'),
      burstWindowMinutes: integer(get, 'DEPROVISION_BURST_WINDOW_MINUTES', 1, 10_080),
      burstThreshold: integer(get, 'DEPROVISION_BURST_THRESHOLD', 1, 1_000_000),
      burstPercent: integer(get, 'DEPROVISION_BURST_PERCENT', 0, 100),
      alertCron: cron(get, 'DEPROVISION_ALERT_CRON'),
    },
    metrics: { enabled: boolean(get, 'METRICS_ENABLED'), token: get('METRICS_TOKEN') || undefined },
    scimRequestLog: {
      hours: integer(get, 'SCIM_REQUEST_LOG_HOURS', 1, 8_760),
      maxPerOrganization: integer(get, 'SCIM_REQUEST_LOG_MAX', 10, 1_000_000),
      redactAttributes: redactAttributes(get),
    },
    shutdownTimeoutMs: integer(get, 'SHUTDOWN_TIMEOUT_MS', 0, 600_000),
  };
  return config;
}

/** Reads process.env, first loading `./.env` when there is one (Node's own loader, no dependency). */
function readProcessEnv(): Env {
  const file = resolve('.env');
  if (existsSync(file)) {
    try {
      process.loadEnvFile(file);
    } catch (error) {
      throw new ConfigError(`The .env file at ${file} could not be read: ${(error as Error).message}.`);
    }
  }
  return process.env;
}

type Getter = (name: string) => string;

function fail(name: string, value: string, allowed: string): never {
  throw new ConfigError(`Invalid configuration: ${name} must be ${allowed} (got ${JSON.stringify(maskPasswords(value))}).`);
}

/** A URL's password replaced by `***` (`mysql://torii:***@db/torii`), so that errors and logs never carry it. */
export function maskPasswords(text: string): string {
  return text.replace(/(\/\/[^/?#@:\s]*:)[^/?#@\s]*@/g, '$1***@');
}

function nonEmpty(get: Getter, name: string): string {
  const value = get(name);
  if (!value) fail(name, value, 'a non-empty string');
  return value;
}

function oneOf<T extends string>(get: Getter, name: string, allowed: readonly T[]): T {
  const value = get(name);
  if (!(allowed as readonly string[]).includes(value)) fail(name, value, `one of ${allowed.join(', ')}`);
  return value as T;
}

function integer(get: Getter, name: string, min: number, max: number): number {
  const value = get(name);
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    fail(name, value, `a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

function boolean(get: Getter, name: string): boolean {
  const value = get(name).toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  return fail(name, value, 'true or false');
}

function url(get: Getter, name: string, protocols: string[]): string {
  const value = get(name);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return fail(name, value, `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  if (!protocols.includes(parsed.protocol)) {
    fail(name, value, `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return value;
}

/** An organization's name as the admin API takes it (PATCH /v1.0/organization): 1 to 100 characters, no control characters. */
function organizationName(get: Getter, name: string): string {
  const value = get(name);
  if (!value || [...value].length > 100 || [...value].some((c) => c < ' ' || c === '\u007f')) {
    fail(name, value, '1 to 100 characters without control characters');
  }
  return value;
}

/**
 * The key settings. The default lifetime must fit the maximum: set above it, the start fails; left unset
 * while the maximum is lower than 90 days, it is the maximum.
 */
function apiKeys(get: Getter, env: Env): AppConfig['apiKeys'] {
  const maxLifetimeDays = integer(get, 'API_KEY_MAX_LIFETIME_DAYS', 0, 36_500);
  let defaultLifetimeDays = integer(get, 'API_KEY_DEFAULT_LIFETIME_DAYS', 1, 36_500);
  if (maxLifetimeDays && defaultLifetimeDays > maxLifetimeDays) {
    if (env.API_KEY_DEFAULT_LIFETIME_DAYS?.trim()) {
      fail(
        'API_KEY_DEFAULT_LIFETIME_DAYS',
        get('API_KEY_DEFAULT_LIFETIME_DAYS'),
        `a whole number from 1 to API_KEY_MAX_LIFETIME_DAYS (${maxLifetimeDays})`,
      );
    }
    defaultLifetimeDays = maxLifetimeDays;
  }
  return { cacheTtlMs: integer(get, 'API_KEY_CACHE_TTL_MS', 0, 1000), maxLifetimeDays, defaultLifetimeDays };
}

function redisKeyPrefix(get: Getter): string {
  const value = get('REDIS_KEY_PREFIX');
  if (!/^[\x21-\x7e]{1,64}$/.test(value)) fail('REDIS_KEY_PREFIX', value, '1 to 64 printable characters without spaces');
  return value;
}

function email(get: Getter, name: string): string {
  const value = get(name);
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) fail(name, value, 'an email address');
  return value;
}

function database(get: Getter): DatabaseConfig {
  const value = get('DATABASE_URL');
  const logQueries = boolean(get, 'DATABASE_LOG_QUERIES');
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!path) fail('DATABASE_URL', value, 'sqlite:<file path> or mysql://user:password@host:port/database');
    return { type: 'sqlite', path: path === ':memory:' ? path : resolve(path), logQueries };
  }
  if (/^(mysql|mariadb):\/\//.test(value)) {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      return fail('DATABASE_URL', value, 'a valid mysql://user:password@host:port/database URL');
    }
    if (!parsed.pathname || parsed.pathname === '/') {
      fail('DATABASE_URL', value, 'a mysql:// URL that names a database (mysql://user@host:3306/torii)');
    }
    parsed.protocol = 'mysql:';
    return {
      type: 'mysql',
      url: parsed.toString(),
      poolSize: integer(get, 'DATABASE_POOL_SIZE', 1, 1000),
      logQueries,
      guardNestedConnections: boolean(get, 'DATABASE_GUARD_NESTED_CONNECTIONS'),
    };
  }
  return fail('DATABASE_URL', value, 'sqlite:<file path> or mysql://user:password@host:port/database');
}

function leadTimes(get: Getter): LeadTime[] {
  const value = get('REMINDER_LEAD_TIMES');
  const parts = value.split(',').map((p) => p.trim());
  const result: LeadTime[] = [];
  for (const part of parts) {
    const match = /^(\d{1,4})(M|d|h)$/.exec(part);
    if (!match || Number(match[1]) === 0) {
      fail('REMINDER_LEAD_TIMES', value, 'a comma-separated list like 1M,7d,1d (M = calendar months, d = days, h = hours)');
    }
    if (!result.some((r) => r.label === part)) {
      result.push({ label: part, amount: Number(match[1]), unit: match[2] as LeadTime['unit'] });
    }
  }
  return result;
}

/** SCIM_REDACT_ATTRIBUTES: each entry an attribute path the inspector's redaction understands (compileRedactionRules). */
function redactAttributes(get: Getter): string[] {
  const value = get('SCIM_REDACT_ATTRIBUTES');
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  try {
    compileRedactionRules(entries);
  } catch (error) {
    throw new ConfigError(`Invalid configuration: SCIM_REDACT_ATTRIBUTES: ${(error as Error).message}`);
  }
  return entries;
}

function cron(get: Getter, name: string): string {
  const value = get(name);
  // Five or six space-separated fields; the scheduler validates the details again at start.
  if (!/^(\S+\s+){4,5}\S+$/.test(value)) fail(name, value, 'a cron expression such as "0 * * * *"');
  return value;
}
