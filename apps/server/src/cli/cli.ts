import { ConfigError, loadConfig } from '@app/config';
import { DatabaseMigrator } from '@app/database';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { CLI_SCOPE } from '../audit/audit-context';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { AppError } from '../common/app-error';
import { hasControlCharacter } from '../common/validators';
import { RemindersService } from '../notifications/reminders.service';
import { NotificationRecipientsService } from '../notifications/notification-recipients.service';
import { OnboardingService } from '../onboarding/onboarding.service';
import { OrganizationsService } from '../organizations/organizations.service';
import { SafetyNetService } from '../safety-net/safety-net.service';
import { isValidUserName } from '../users/user-name';
import { UsersService } from '../users/users.service';
import { CliModule } from './cli.module';

export const USAGE = `Usage: npm run cli -- <command> [options] [--json]

Commands:
  org:create  --name <name> --admin-email <email> [--admin-name <full name>] [--never-expires]
              Create an organization with its Admin user (its email, and its name when given)
              and a Torii API key (expiring after API_KEY_DEFAULT_LIFETIME_DAYS, 90 by default).
  org:rename  --org <id> --name <name>
              Rename an organization.
  users:edit  --org <id> --user <id or email> [--email <email>] [--name <full name>]
              Change the email or name of a user no identity provider manages (e.g. the first Admin).
  recipients:list --org <id>
              Show who gets reminders, connection alerts and incident emails besides the active Admins.
  recipients:set --org <id> --emails <email,email,...>
              Set those addresses (at most 20; --emails "" removes them all).
  keys:create --org <id> --type api|scim [--expires YYYY-MM-DD | --never-expires] [--description <text>]
              Generate a key for an organization (e.g. when every key was lost); it expires after
              API_KEY_DEFAULT_LIFETIME_DAYS (90 by default) unless told otherwise.
  keys:rotate --org <id> --key <id> [--expires YYYY-MM-DD | --never-expires]
              Generate a key's successor (same type and description); both work until the old one is deleted.
  users:restore --org <id> --user <id>
              Restore a deleted user (same id, role, state, groups), e.g. an Admin deleted by a burst.
  incidents:list --org <id>
              List an organization's deprovisioning incidents.
  incidents:undo --org <id> --incident <id>
              Undo a deprovisioning incident: every user back as before it (e.g. when it locked out every Admin).
  reminders:run
              Run the key-expiry reminder job once now; prints what it sent.
  db:migrate  Apply pending database migrations.

Options:
  --json      Print the result as JSON (for scripts).
  --help      Show this help.`;

/** Each command's own help: `npm run cli -- <command> --help`. */
const HELP: Record<string, string> = {
  'org:create': `Usage: npm run cli -- org:create --name <name> --admin-email <email> [--admin-name <full name>] [--never-expires] [--json]

Creates an organization with its pre-defined roles, its first Admin user (the email is its userName
and primary work email; --admin-name gives its displayName and name) and a Torii API key, printed once.
The key expires after API_KEY_DEFAULT_LIFETIME_DAYS (90 by default); its Admins are reminded a month before.

Options:
  --name <name>              The organization's name (1 to 100 characters).
  --admin-email <email>      The Admin's email address.
  --admin-name <full name>   Optional: the Admin's full name (the last word is the family name).
  --never-expires            Optional: a key that never expires (no reminder ever comes; delete it when done).
  --json                     Print the result as JSON.`,
  'org:rename': `Usage: npm run cli -- org:rename --org <id> --name <name> [--json]

Renames an organization, as Settings > Organization does: its name in the settings UI and in every email.
The Organization ID does not change.

Options:
  --org <id>                 The Organization ID.
  --name <name>              The new name (1 to 100 characters, spaces at either end not counted).
  --json                     Print the result as JSON.`,
  'users:edit': `Usage: npm run cli -- users:edit --org <id> --user <id or email> [--email <email>] [--name <full name>] [--json]

Changes the email address (userName and primary email) or the full name (displayName and name) of a user
no identity provider manages: the first Admin, or one made by org:create. Users provisioned through SCIM
are refused: change them in the identity provider. Reminders and alerts go to the new address at once.

Options:
  --org <id>                 The Organization ID.
  --user <id or email>       The user's id, or its current email address.
  --email <email>            Optional: the new email address (unique in the organization, case-insensitively).
  --name <full name>         Optional: the new full name, 1 to 255 characters (the last word is the family name).
  --json                     Print the result as JSON.`,
  'recipients:list': `Usage: npm run cli -- recipients:list --org <id> [--json]

Shows the organization's notification recipients: the addresses that get key-expiry reminders, SCIM
connection alerts and deprovisioning incident emails besides its active Admins.

Options:
  --org <id>                 The Organization ID.
  --json                     Print the result as JSON.`,
  'recipients:set': `Usage: npm run cli -- recipients:set --org <id> --emails <email,email,...> [--json]

Replaces the organization's notification recipients: every reminder, connection alert and incident email
goes to its active Admins and to these addresses, each address once.

Options:
  --org <id>                 The Organization ID.
  --emails <list>            Comma-separated addresses, at most 20 distinct ones; --emails "" removes them all.
  --json                     Print the result as JSON.`,
  'keys:create': `Usage: npm run cli -- keys:create --org <id> --type api|scim [--expires YYYY-MM-DD | --never-expires] [--description <text>] [--json]

Generates a key for an organization, printed once (e.g. when every key of the organization was lost).
A Torii SCIM key needs SCIM turned on for the organization. Without --expires or --never-expires the key
expires after API_KEY_DEFAULT_LIFETIME_DAYS (90 by default); its Admins are reminded a month before.

Options:
  --org <id>                 The Organization ID.
  --type api|scim            api: the admin API (settings UI); scim: the SCIM API (Okta, Entra).
  --expires YYYY-MM-DD       Optional: the expiration (00:00 UTC of that day), in the future; fixed once created.
  --never-expires            Optional: a key that never expires (no reminder ever comes; rotate it yourself).
  --description <text>       Optional: what the key is for (at most 255 characters).
  --json                     Print the result as JSON.`,
  'keys:rotate': `Usage: npm run cli -- keys:rotate --org <id> --key <id> [--expires YYYY-MM-DD | --never-expires] [--json]

Generates the successor of a key, printed once, as Rotate in Settings > API Access does: the same type and
description. Replace the old key with it where it is used, then delete the old one; both work in between.
Without --expires or --never-expires the successor gets the old key's lifetime from now, or
API_KEY_DEFAULT_LIFETIME_DAYS when the old key never expires.

Options:
  --org <id>                 The Organization ID.
  --key <id>                 The id of the key to rotate (Settings > API Access, or the reminder email).
  --expires YYYY-MM-DD       Optional: the successor's expiration (00:00 UTC of that day), in the future.
  --never-expires            Optional: a successor that never expires.
  --json                     Print the result as JSON.`,
  'users:restore': `Usage: npm run cli -- users:restore --org <id> --user <id> [--json]

Restores a deleted user of the organization, as POST /v1.0/users/deleted/{id}/restore does: the same id,
its attributes, own role, active state and the groups it was in that still exist (effective role
recomputed). Refused when a live user holds its userName, or after the purge (DELETED_USER_RETENTION_DAYS).

Options:
  --org <id>                 The Organization ID.
  --user <id>                The deleted user's id (Settings > Members > Deleted users, or the audit log).
  --json                     Print the result as JSON.`,
  'incidents:list': `Usage: npm run cli -- incidents:list --org <id> [--json]

Lists the organization's deprovisioning incidents, newest first: id, status, when, how many users.

Options:
  --org <id>                 The Organization ID.
  --json                     Print the result as JSON.`,
  'incidents:undo': `Usage: npm run cli -- incidents:undo --org <id> --incident <id> [--json]

Undoes an open deprovisioning incident, as Undo in the settings UI does: every user of it back to its
state just before it (active, role, groups; deleted users restored), in one transaction. For an Admin
locked out because the burst included every Admin. Fix the identity provider's assignment first, or it
deprovisions them again on its next cycle.

Options:
  --org <id>                 The Organization ID.
  --incident <id>            The incident's id (incidents:list).
  --json                     Print the result as JSON.`,
  'reminders:run': `Usage: npm run cli -- reminders:run [--json]

Runs the key-expiry reminder job once now (it also runs on REMINDER_CRON in the server) and prints
what it sent, retried, gave up on or cancelled.`,
  'db:migrate': `Usage: npm run cli -- db:migrate [--json]

Applies the pending database migrations of DATABASE_URL (the server also applies them when it starts).`,
};

/** The CLI's option names, as the API's fields are called in its refusals (`expiresAt` is `--expires`). */
const FLAG_OF_FIELD: Record<string, string> = {
  expiresAt: '--expires',
  description: '--description',
  type: '--type',
  email: '--email',
  name: '--name',
  emails: '--emails',
};

/** A usage error: one sentence, exit code 2. */
export class UsageError extends Error {}

interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
}

type Options = Record<string, string | boolean | undefined>;

/** A command: the options it takes, those it needs (checked before the database is touched), and what it does. */
interface Command {
  options: string[];
  required: string[];
  run: (app: INestApplicationContext, o: Options) => Promise<{ json: unknown; text: string }>;
}

const COMMANDS: Record<string, Command> = {
  'org:create': {
    options: ['name', 'admin-email', 'admin-name', 'never-expires'],
    required: ['name', 'admin-email'],
    run: async (app, o) => {
      const name = required(o, 'name');
      const email = required(o, 'admin-email');
      const adminName = typeof o['admin-name'] === 'string' ? o['admin-name'] : undefined;
      if (
        adminName !== undefined &&
        (adminName.trim().length === 0 || adminName.length > 255 || hasControlCharacter(adminName))
      ) {
        throw new UsageError('--admin-name must be 1 to 255 characters, without control characters.');
      }
      checkOrganizationName(name);
      if (!isValidUserName(email.trim())) throw new UsageError(`--admin-email must be an email address; "${email}" is not.`);
      const created = await app
        .get(OnboardingService)
        .createOrganization(name, email, adminName, CLI_SCOPE, o['never-expires'] ? null : undefined);
      return {
        json: created,
        text: [
          `Organization ID : ${created.organizationId} (${created.organizationName})`,
          `Admin user      : ${created.adminEmail} (id ${created.adminUserId})`,
          `Torii API key   : ${created.apiKey.key}`,
          `Expires         : ${expiryLine(app, created.apiKey.expiresAt, 'default')}`,
          'Copy the key now: it is shown only this once.',
        ].join('\n'),
      };
    },
  },
  'org:rename': {
    options: ['org', 'name'],
    required: ['org', 'name'],
    run: async (app, o) => {
      const id = idOption(o, 'org');
      const name = required(o, 'name');
      checkOrganizationName(name);
      const organizations = app.get(OrganizationsService);
      const before = await organizations.get(id);
      const organization = await organizations.rename(id, name, CLI_SCOPE);
      return {
        json: { organization },
        text:
          before.name === organization.name
            ? `Organization ${organization.id} is already named "${organization.name}".`
            : `Organization ${organization.id} renamed: "${before.name}" → "${organization.name}".`,
      };
    },
  },
  'users:edit': {
    options: ['org', 'user', 'email', 'name'],
    required: ['org', 'user'],
    run: async (app, o) => {
      const org = idOption(o, 'org');
      const email = typeof o.email === 'string' ? o.email : undefined;
      const name = typeof o.name === 'string' ? o.name : undefined;
      if (email === undefined && name === undefined) throw new UsageError('users:edit needs --email or --name (or both).');
      if (email !== undefined && !isValidUserName(email.trim()))
        throw new UsageError(`--email must be an email address; "${email}" is not.`);
      if (name !== undefined && (name.trim().length === 0 || name.length > 255 || hasControlCharacter(name)))
        throw new UsageError('--name must be 1 to 255 characters, without control characters.');
      const users = app.get(UsersService);
      const userOption = required(o, 'user');
      const userId = /^[1-9]\d{0,9}$/.test(userOption) ? userOption : await users.idByEmail(org, userOption);
      const user = await users.update(org, userId, { email, name }, CLI_SCOPE);
      return {
        json: { user },
        text: `User ${user.id}: ${user.email}${user.displayName ? `, ${user.displayName}` : ''} (${user.role}, ${user.status}).`,
      };
    },
  },
  'recipients:list': {
    options: ['org'],
    required: ['org'],
    run: async (app, o) => {
      const org = idOption(o, 'org');
      const { emails } = await app.get(NotificationRecipientsService).get(org);
      return {
        json: { emails },
        text: emails.length
          ? [`Besides the active Admins, emails of organization ${org} go to:`, ...emails.map((e) => `  ${e}`)].join('\n')
          : `No notification recipients: emails of organization ${org} go to its active Admins only.`,
      };
    },
  },
  'recipients:set': {
    options: ['org', 'emails'],
    required: ['org', 'emails'],
    run: async (app, o) => {
      const org = idOption(o, 'org');
      const list = typeof o.emails === 'string' ? o.emails : '';
      const wanted = list.trim() ? list.split(',').map((e) => e.trim()) : [];
      const { emails } = await app.get(NotificationRecipientsService).set(org, wanted, CLI_SCOPE);
      return {
        json: { emails },
        text: emails.length
          ? `Reminders, connection alerts and incident emails of organization ${org} go to its active Admins and to: ${emails.join(', ')}.`
          : `Reminders, connection alerts and incident emails of organization ${org} go to its active Admins only.`,
      };
    },
  },
  'keys:create': {
    options: ['org', 'type', 'expires', 'never-expires', 'description'],
    required: ['org', 'type'],
    run: async (app, o) => {
      const org = required(o, 'org');
      const type = required(o, 'type');
      if (!/^[1-9]\d{0,9}$/.test(org)) throw new UsageError('--org must be an Organization ID (a number).');
      if (type !== 'api' && type !== 'scim') throw new UsageError('--type must be api or scim.');
      const description = typeof o.description === 'string' ? o.description : undefined;
      if (description && description.length > 255) throw new UsageError('--description must be at most 255 characters.');
      const keys = app.get(ApiKeysService);
      const expiry = expiryOption(o);
      const expiresAt = expiry === 'default' ? keys.defaultExpiry() : expiry;
      const key = await keys.createForOrganization(Number(org), { type, description, expiresAt }, CLI_SCOPE);
      return {
        json: { apiKey: key },
        text: [
          `Key id      : ${key.id} (${type === 'api' ? 'Torii API' : 'Torii SCIM'})`,
          `Expires     : ${expiryLine(app, key.expiresAt, expiry)}`,
          `Key         : ${key.key}`,
          'Copy the key now: it is shown only this once.',
        ].join('\n'),
      };
    },
  },
  'keys:rotate': {
    options: ['org', 'key', 'expires', 'never-expires'],
    required: ['org', 'key'],
    run: async (app, o) => {
      const org = idOption(o, 'org');
      const id = idOption(o, 'key');
      const expiry = expiryOption(o);
      const key = await app
        .get(ApiKeysService)
        .rotate(org, String(id), expiry === 'default' ? {} : { expiresAt: expiry }, CLI_SCOPE);
      return {
        json: { apiKey: key },
        text: [
          `Key id      : ${key.id} (${key.type === 'api' ? 'Torii API' : 'Torii SCIM'}), replacing key ${id}`,
          `Expires     : ${expiryLine(app, key.expiresAt, expiry === 'default' ? 'rotation' : expiry)}`,
          `Key         : ${key.key}`,
          'Copy the key now: it is shown only this once. Replace the old key with it, then delete the old one;',
          'both work in between.',
        ].join('\n'),
      };
    },
  },
  'users:restore': {
    options: ['org', 'user'],
    required: ['org', 'user'],
    run: async (app, o) => {
      const user = await app.get(SafetyNetService).restore(idOption(o, 'org'), String(idOption(o, 'user')), CLI_SCOPE);
      return {
        json: { user },
        text: `Restored user ${user.id} (${user.userName}): ${user.role}, ${user.active ? 'active' : 'inactive'}.`,
      };
    },
  },
  'incidents:list': {
    options: ['org'],
    required: ['org'],
    run: async (app, o) => {
      const { incidents } = await app.get(SafetyNetService).incidents(idOption(o, 'org'));
      return {
        json: { incidents },
        text: incidents.length
          ? incidents
              .map((i) => `Incident ${i.id}: ${i.status}, opened ${i.openedAt}, ${i.count} user${i.count === 1 ? '' : 's'}`)
              .join('\n')
          : 'No deprovisioning incident.',
      };
    },
  },
  'incidents:undo': {
    options: ['org', 'incident'],
    required: ['org', 'incident'],
    run: async (app, o) => {
      const result = await app.get(SafetyNetService).undo(idOption(o, 'org'), String(idOption(o, 'incident')), CLI_SCOPE);
      return {
        json: result,
        text: [
          `Incident ${result.incident.id} undone: ${result.restored.length} user${result.restored.length === 1 ? '' : 's'} restored.`,
          ...result.notRestored.map((u) => `  not restored: user ${u.id} ${u.userName}: ${u.reason}`),
          'Fix the identity provider assignment first, or it deprovisions them again on its next cycle.',
        ].join('\n'),
      };
    },
  },
  'reminders:run': {
    options: [],
    required: [],
    run: async (app) => {
      const result = await app.get(RemindersService).run(CLI_SCOPE);
      const lines = [
        `Keys entering a reminder window: ${result.recorded}`,
        `Sent: ${result.sent.length}`,
        ...result.sent.map((s) => `  reminder ${s.reminderId} (key ${s.apiKeyId}, ${s.leadTime}) to ${s.recipients.join(', ')}`),
        `To retry later: ${result.retrying.length}`,
        ...result.retrying.map((r) => `  reminder ${r.reminderId} at ${r.nextAttemptAt}: ${r.error}`),
        `Failed (gave up): ${result.failed.length}`,
        ...result.failed.map((f) => `  reminder ${f.reminderId}: ${f.error}`),
        `Cancelled: ${result.cancelled.length}`,
      ];
      return { json: result, text: lines.join('\n') };
    },
  },
  'db:migrate': {
    options: [],
    required: [],
    run: async (app) => {
      const applied = app.get(DatabaseMigrator).applied;
      return {
        json: { applied },
        text: applied.length ? applied.map((m) => `Applied ${m}`).join('\n') : 'The database is up to date.',
      };
    },
  },
};

/** Runs one CLI command; returns the process exit code. */
export async function runCli(argv: string[], io: Output, env?: Record<string, string | undefined>): Promise<number> {
  let parsed: { positionals: string[]; values: Options };
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean' },
        help: { type: 'boolean' },
        name: { type: 'string' },
        'admin-email': { type: 'string' },
        'admin-name': { type: 'string' },
        org: { type: 'string' },
        type: { type: 'string' },
        expires: { type: 'string' },
        description: { type: 'string' },
        user: { type: 'string' },
        incident: { type: 'string' },
        email: { type: 'string' },
        emails: { type: 'string' },
        key: { type: 'string' },
        'never-expires': { type: 'boolean' },
      },
    });
  } catch (error) {
    const json = argv.includes('--json');
    const message = parseErrorSentence(error as Error & { code?: string }, argv);
    io.err(json ? JSON.stringify({ error: message }) : message);
    return 2;
  }
  const [name, ...extra] = parsed.positionals;
  const json = Boolean(parsed.values.json);
  const fail = (message: string, code: number): number => {
    io.err(json ? JSON.stringify({ error: message }) : message);
    return code;
  };
  if (!name) {
    if (parsed.values.help) {
      io.out(USAGE);
      return 0;
    }
    return fail(json ? 'Name a command; run "npm run cli -- --help" for the list.' : USAGE, 2);
  }
  const command = COMMANDS[name];
  if (!command)
    return fail(`Unknown command "${name}"; the commands are ${Object.keys(COMMANDS).join(', ')} ("npm run cli -- --help").`, 2);
  if (parsed.values.help) {
    io.out(HELP[name]);
    return 0;
  }
  const seeHelp = `Run "npm run cli -- ${name} --help" for its options.`;
  if (extra.length) return fail(`${name} takes no argument "${extra[0]}". ${seeHelp}`, 2);
  const unknown = Object.keys(parsed.values).filter((k) => k !== 'json' && k !== 'help' && !command.options.includes(k));
  if (unknown.length) return fail(`${name} does not take --${unknown[0]}. ${seeHelp}`, 2);

  let app: INestApplicationContext | undefined;
  try {
    const config = loadConfig(env);
    // Validate arguments before touching the database.
    const missing = command.required.filter((o) => parsed.values[o] === undefined);
    if (missing.length) throw new UsageError(`${name} needs --${missing[0]}.`);
    app = await NestFactory.createApplicationContext(
      CliModule.forRoot({
        ...config,
        bootstrap: { ...config.bootstrap, enabled: false },
        reminders: { ...config.reminders, schedulerEnabled: false },
      }),
      {
        logger: ['error', 'warn'],
        abortOnError: false,
      },
    );
    const result = await command.run(app, parsed.values);
    io.out(json ? JSON.stringify(result.json, null, 2) : result.text);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) return fail(`${error.message} Run "npm run cli -- ${name} --help" for its options.`, 2);
    if (error instanceof AppError) return fail(asFlags(error), 1);
    if (error instanceof ConfigError) return fail(error.message, 1);
    return fail(`${name} failed: ${(error as Error).message ?? String(error)}`, 1);
  } finally {
    await app?.close();
  }
}

/** The organization name rules (OrganizationsService), as a usage error naming --name. */
function checkOrganizationName(name: string): void {
  const length = [...name.trim()].length;
  if (length === 0 || length > 100) throw new UsageError('--name must be 1 to 100 characters.');
  if (hasControlCharacter(name)) throw new UsageError('--name must not contain control characters.');
}

/** --expires / --never-expires: a date, null (never), or 'default' when neither is given. */
function expiryOption(o: Options): string | null | 'default' {
  if (o['never-expires'] && o.expires !== undefined) throw new UsageError('Give --expires or --never-expires, not both.');
  if (o['never-expires']) return null;
  return typeof o.expires === 'string' ? o.expires : 'default';
}

/** A new key's expiration as the output says it, with where it came from. */
function expiryLine(
  app: INestApplicationContext,
  expiresAt: string | null,
  chosen: string | null | 'default' | 'rotation',
): string {
  if (expiresAt === null) return 'never (--never-expires: no reminder will come; rotate or delete it yourself)';
  const days = app.get(ApiKeysService).policy().defaultLifetimeDays;
  if (chosen === 'default')
    return `${expiresAt} (in ${days} days, the default: API_KEY_DEFAULT_LIFETIME_DAYS; --expires or --never-expires to choose). The Admins are reminded a month before.`;
  if (chosen === 'rotation')
    return `${expiresAt} (by default the old key's lifetime from now, or ${days} days when it never expired; --expires or --never-expires to choose)`;
  return expiresAt;
}

/** A numeric id option (--org, --user, --incident, --key). */
function idOption(o: Options, name: string): number {
  const value = required(o, name);
  if (!/^[1-9]\d{0,9}$/.test(value)) throw new UsageError(`--${name} must be an id (a number).`);
  return Number(value);
}

function required(o: Options, name: string): string {
  const value = o[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required.`);
  return value;
}

/** Node's parseArgs refusals as one sentence naming the option. */
function parseErrorSentence(error: Error & { code?: string }, argv: string[]): string {
  const option = /'(-{1,2}[^' ]+)/.exec(error.message)?.[1];
  const command = argv.find((a) => !a.startsWith('-'));
  const seeHelp = command ? `Run "npm run cli -- ${command} --help" for its options.` : 'Run "npm run cli -- --help".';
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `Unknown option ${option}. ${seeHelp}`;
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) return `${option} needs a value. ${seeHelp}`;
  return `${error.message.split('. ')[0]}. ${seeHelp}`;
}

/** A service's refusal in the CLI's words: the API's field names become the options that carry them. */
function asFlags(error: AppError): string {
  let message = error.message;
  for (const detail of error.details ?? []) {
    const flag = FLAG_OF_FIELD[detail.field];
    // The field as the sentence's subject only: "email must be an email address" names --email once.
    if (flag) message = message.replace(new RegExp(`\\b${detail.field}\\b`), flag);
  }
  return message;
}
