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
import { OnboardingService } from '../onboarding/onboarding.service';
import { SafetyNetService } from '../safety-net/safety-net.service';
import { isValidUserName } from '../users/user-name';
import { CliModule } from './cli.module';

export const USAGE = `Usage: npm run cli -- <command> [options] [--json]

Commands:
  org:create  --name <name> --admin-email <email> [--admin-name <full name>]
              Create an organization with its Admin user (its email, and its name when given)
              and a Torii API key.
  keys:create --org <id> --type api|scim [--expires YYYY-MM-DD] [--description <text>]
              Generate a key for an organization (e.g. when every key was lost).
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
  'org:create': `Usage: npm run cli -- org:create --name <name> --admin-email <email> [--admin-name <full name>] [--json]

Creates an organization with its pre-defined roles, its first Admin user (the email is its userName
and primary work email; --admin-name gives its displayName and name) and a Torii API key, printed once.

Options:
  --name <name>              The organization's name (1 to 255 characters).
  --admin-email <email>      The Admin's email address.
  --admin-name <full name>   Optional: the Admin's full name (the last word is the family name).
  --json                     Print the result as JSON.`,
  'keys:create': `Usage: npm run cli -- keys:create --org <id> --type api|scim [--expires YYYY-MM-DD] [--description <text>] [--json]

Generates a key for an organization, printed once (e.g. when every key of the organization was lost).
A Torii SCIM key needs SCIM turned on for the organization.

Options:
  --org <id>                 The Organization ID.
  --type api|scim            api: the admin API (settings UI); scim: the SCIM API (Okta, Entra).
  --expires YYYY-MM-DD       Optional: the expiration (00:00 UTC of that day), in the future; fixed once created.
  --description <text>       Optional: what the key is for (at most 255 characters).
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
};

/** A usage error: one sentence, exit code 2. */
export class UsageError extends Error {}

interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
}

type Options = Record<string, string | boolean | undefined>;

const COMMANDS: Record<
  string,
  { options: string[]; run: (app: INestApplicationContext, o: Options) => Promise<{ json: unknown; text: string }> }
> = {
  'org:create': {
    options: ['name', 'admin-email', 'admin-name'],
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
      if (name.trim().length === 0 || name.length > 255) throw new UsageError('--name must be 1 to 255 characters.');
      if (hasControlCharacter(name)) throw new UsageError('--name must not contain control characters.');
      if (!isValidUserName(email.trim())) throw new UsageError(`--admin-email must be an email address; "${email}" is not.`);
      const created = await app.get(OnboardingService).createOrganization(name, email, adminName, CLI_SCOPE);
      return {
        json: created,
        text: [
          `Organization ID : ${created.organizationId} (${created.organizationName})`,
          `Admin user      : ${created.adminEmail} (id ${created.adminUserId})`,
          `Torii API key   : ${created.apiKey.key}`,
          'Copy the key now: it is shown only this once.',
        ].join('\n'),
      };
    },
  },
  'keys:create': {
    options: ['org', 'type', 'expires', 'description'],
    run: async (app, o) => {
      const org = required(o, 'org');
      const type = required(o, 'type');
      if (!/^[1-9]\d{0,9}$/.test(org)) throw new UsageError('--org must be an Organization ID (a number).');
      if (type !== 'api' && type !== 'scim') throw new UsageError('--type must be api or scim.');
      const description = typeof o.description === 'string' ? o.description : undefined;
      if (description && description.length > 255) throw new UsageError('--description must be at most 255 characters.');
      const expiresAt = typeof o.expires === 'string' ? o.expires : undefined;
      const key = await app.get(ApiKeysService).createForOrganization(Number(org), { type, description, expiresAt }, CLI_SCOPE);
      return {
        json: { apiKey: key },
        text: [
          `Key id      : ${key.id} (${type === 'api' ? 'Torii API' : 'Torii SCIM'})`,
          `Expires     : ${key.expiresAt ?? 'never'}`,
          `Key         : ${key.key}`,
          'Copy the key now: it is shown only this once.',
        ].join('\n'),
      };
    },
  },
  'users:restore': {
    options: ['org', 'user'],
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
    const missing = command.options.filter(
      (o) => ['name', 'admin-email', 'org', 'type', 'user', 'incident'].includes(o) && parsed.values[o] === undefined,
    );
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

/** A numeric id option (--org, --user, --incident). */
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
    if (flag) message = message.replace(new RegExp(`\\b${detail.field}\\b`, 'g'), flag);
  }
  return message;
}
