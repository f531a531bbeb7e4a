import type { AppConfig } from '@app/config';
import type { LoggerService } from '@nestjs/common';
import type { FastifyBaseLogger } from 'fastify';
import pino, { Logger } from 'pino';
import { isCanonicalId } from './ids';

/**
 * One pino logger per process: Fastify writes one JSON line per request with
 * it (request id, method, path, status, time), and Nest's own logs go through
 * it too. Neither credentials nor personal data reach the logs: nothing logs
 * headers (the Authorization header is redacted should anything try), paths
 * without the segments that are not route words or ids and query strings
 * without their values (loggedUrl), and errors without the SQL parameters and
 * driver messages that carry user data (logSafeError).
 */
export function createLogger(config: Pick<AppConfig, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.authorization'], censor: '[redacted]' },
      serializers: { err: logSafeError },
    },
    destination as pino.DestinationStream,
  );
}

/** Query parameters whose values carry neither personal data nor secrets, kept in logged URLs when they look it. */
const HARMLESS_PARAMETERS = new Set(['startindex', 'count', 'sortorder', 'size', 'format']);
const HARMLESS_VALUE = /^(\d{1,10}|ascending|descending|ndjson|csv)$/i;
/** A parameter name as the APIs spell theirs; anything else (an address sent as `?a@b.c`) is masked too. */
const PARAMETER_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,39}$/;
/** The SCIM schema URNs of `/Schemas/{urn}` (RFC 7643 §8.7.1); an address has an `@`, a URN none. */
const SCIM_URN = /^urn:ietf:params:scim:[A-Za-z0-9:.]+$/;
/** What a masked path segment or query value is logged as. */
const MASK = '…';

/**
 * The literal segments of a route's path (`/v1.0/scim/v2/Users/:id` → v1.0, scim, v2, Users, users): the words
 * loggedUrl keeps, as registered and lower-cased (paths match case-insensitively). Parameters and wildcards are
 * not words.
 */
export function routeWords(routeUrl: string): string[] {
  return routeUrl
    .split('/')
    .filter((segment) => segment !== '' && !segment.startsWith(':') && !segment.includes('*'))
    .flatMap((segment) => [segment, segment.toLowerCase()]);
}

/**
 * A request URL as logged. Path segments are kept when they are a word of the app's routes (`words`,
 * see routeWords), one of our ids in its canonical form, or a SCIM schema URN; anything else is `…`, so no
 * address (`/Users/a@b.c`) or other personal data sent in a path reaches the log, routed or not. The query
 * keeps its parameter names and leaves values out (`?filter=…`: filter values are emails, and a key sent as
 * `?access_token=` must not be logged), except paging and format values that are a number or a keyword.
 * Runs for every request when request logging is on: one pass, no arrays for the path.
 */
export function loggedUrl(url: string, words: ReadonlySet<string>): string {
  const at = url.indexOf('?');
  const end = at < 0 ? url.length : at;
  // Most paths keep every segment: they are logged as sent, without building a new string.
  let path: string | undefined;
  for (let from = 0; ;) {
    let slash = url.indexOf('/', from);
    if (slash < 0 || slash > end) slash = end;
    const segment = url.slice(from, slash);
    if (!keptSegment(segment, words)) path = `${path ?? url.slice(0, from)}${MASK}`;
    else if (path !== undefined) path += segment;
    if (slash === end) break;
    if (path !== undefined) path += '/';
    from = slash + 1;
  }
  path ??= at < 0 ? url : url.slice(0, at);
  if (at < 0) return path;
  const query = url
    .slice(at + 1)
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      if (!PARAMETER_NAME.test(name)) return MASK;
      const value = eq < 0 ? '' : part.slice(eq + 1);
      return HARMLESS_PARAMETERS.has(name.toLowerCase()) && HARMLESS_VALUE.test(value) ? part : `${name}=${MASK}`;
    });
  return `${path}?${query.join('&')}`;
}

function keptSegment(segment: string, words: ReadonlySet<string>): boolean {
  return (
    segment === '' ||
    words.has(segment) ||
    isCanonicalId(segment) ||
    words.has(segment.toLowerCase()) ||
    (segment.length <= 100 && SCIM_URN.test(segment))
  );
}

/** An email address as RFC 5321 spells one (a quoted or dot-atom local part, UTF-8 allowed) at a dotted domain. */
const ADDRESS = /(?:"[^"\r\n]*"|[\p{L}\p{N}._%+!#$&*=?^`{|}~-]+)@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;

/**
 * A sentence from elsewhere (an SMTP server's answer: `550 5.1.1 <a@b.c>: Recipient address rejected`) as
 * logged: each email address in it is `…`.
 */
export function withoutAddresses(text: string): string {
  return text.replace(ADDRESS, MASK);
}

/**
 * pino's error serializer, minus what carries user data: a failed statement's parameters
 * (TypeORM's QueryFailedError), the driver's own error (mysql2 copies the SQL with the values
 * inlined into it, and "Duplicate entry 'a@b.c'"-style messages), and quoted values in the message.
 * The statement itself (with `?` placeholders), the error codes and the stack stay.
 */
export function logSafeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const serialized = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  const driver = (error as { driverError?: { code?: unknown; errno?: unknown } }).driverError;
  delete serialized.parameters;
  delete serialized.driverError;
  delete serialized.sql;
  delete serialized.sqlMessage;
  if (driver) {
    serialized.code = driver.code;
    serialized.errno = driver.errno;
  }
  if (driver || 'query' in serialized) {
    const scrub = (text: unknown) => (typeof text === 'string' ? text.replace(/'[^']*'/g, "'…'") : text);
    serialized.message = scrub(serialized.message);
    serialized.stack = scrub(serialized.stack);
  }
  return serialized;
}

/**
 * Fastify's `childLoggerFactory`: `request.log` is pino's child logger with the
 * request id, created on the request's first enabled log line rather than for
 * every request. With request logging off (LOG_LEVEL=warn and above) most
 * requests never log, and a pino child costs allocations on every request.
 */
export function lazyChildLogger(
  logger: FastifyBaseLogger,
  bindings: pino.Bindings,
  options: pino.ChildLoggerOptions,
): FastifyBaseLogger {
  const parent = logger as unknown as Logger;
  // Fastify may pass a level ('' or the server's own when the route sets none, depending on its version).
  // A different level (or serializers) makes the child differ from the parent: no shortcut then.
  for (const key in options) {
    const value = (options as Record<string, unknown>)[key];
    if (key === 'level' ? value && value !== parent.level : value !== undefined) return logger.child(bindings, options);
  }
  return new LazyChild(parent, bindings, options) as unknown as FastifyBaseLogger;
}

/** One object per request, its methods on the prototype: the pino child is made on the first line that logs. */
class LazyChild {
  private real?: Logger;

  constructor(
    private readonly parent: Logger,
    private readonly bindingsOfChild: pino.Bindings,
    private readonly options: pino.ChildLoggerOptions,
  ) {}

  get level(): string {
    return (this.real ?? this.parent).level;
  }

  set level(level: string) {
    this.child$().level = level;
  }

  child(more: pino.Bindings, moreOptions?: pino.ChildLoggerOptions): Logger {
    return this.child$().child(more, moreOptions);
  }

  isLevelEnabled(level: string): boolean {
    return (this.real ?? this.parent).isLevelEnabled(level);
  }

  bindings(): pino.Bindings {
    return this.child$().bindings();
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }

  error(...args: unknown[]): void {
    this.write('error', args);
  }

  warn(...args: unknown[]): void {
    this.write('warn', args);
  }

  info(...args: unknown[]): void {
    this.write('info', args);
  }

  debug(...args: unknown[]): void {
    this.write('debug', args);
  }

  trace(...args: unknown[]): void {
    this.write('trace', args);
  }

  silent(): void {}

  private write(method: pino.Level, args: unknown[]): void {
    if (this.real || this.parent.isLevelEnabled(method)) (this.child$()[method] as (...a: unknown[]) => void)(...args);
  }

  private child$(): Logger {
    return (this.real ??= this.parent.child(this.bindingsOfChild, this.options));
  }
}

/** Nest's LoggerService on top of the same pino logger. */
/** Nest's loggers that narrate start-up: "Mapped {/v1.0/..., GET} route", "UsersModule dependencies initialized". */
const NEST_STARTUP_CONTEXTS = new Set(['RoutesResolver', 'RouterExplorer', 'InstanceLoader', 'NestFactory', 'NestApplication']);

export class PinoLoggerService implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    // Nest's start-up narration (a line per module and per route) is for debugging, not the info log.
    const context = params[params.length - 1];
    this.write(typeof context === 'string' && NEST_STARTUP_CONTEXTS.has(context) ? 'debug' : 'info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest calls (message, ...extra, context); an object message carries fields, as pino's first argument does. */
  private write(level: pino.Level, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const rest = [...params];
    const context = typeof rest[rest.length - 1] === 'string' && rest.length > 0 ? (rest.pop() as string) : undefined;
    if (message !== null && typeof message === 'object' && !(message instanceof Error)) {
      this.logger[level]({ context, ...(message as object) }, typeof rest[0] === 'string' ? rest[0] : undefined);
    } else if (message instanceof Error) {
      this.logger[level]({ context, err: message }, message.message);
    } else {
      const stack = level === 'error' && typeof rest[0] === 'string' ? rest[0] : undefined;
      this.logger[level]({ context, ...(stack ? { stack } : {}) }, String(message));
    }
  }
}
