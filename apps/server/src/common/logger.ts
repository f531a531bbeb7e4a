import type { AppConfig } from '@app/config';
import type { LoggerService } from '@nestjs/common';
import type { FastifyBaseLogger } from 'fastify';
import pino, { Logger } from 'pino';

/**
 * One pino logger per process: Fastify writes one JSON line per request with
 * it (request id, method, path, status, time), and Nest's own logs go through
 * it too. Credentials never reach the logs: nothing logs headers, and the
 * Authorization header is redacted should anything try.
 */
export function createLogger(config: Pick<AppConfig, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', '*.authorization'], censor: '[redacted]' },
  });
}

type LevelMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
const LEVEL_METHODS: LevelMethod[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

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
  // Fastify passes the route's log level on every request: '' or the server's own unless the route sets one.
  // A different level (or serializers) makes the child differ from the parent: no shortcut then.
  const { level, ...rest } = options;
  if ((level && level !== parent.level) || Object.keys(rest).length) return logger.child(bindings, options);
  let child: Logger | undefined;
  const real = (): Logger => (child ??= parent.child(bindings, options));
  const lazy: Record<string, unknown> = {
    child: (more: pino.Bindings, moreOptions?: pino.ChildLoggerOptions) => real().child(more, moreOptions),
    isLevelEnabled: (level: string) => (child ?? parent).isLevelEnabled(level),
    bindings: () => real().bindings(),
  };
  for (const method of LEVEL_METHODS) {
    lazy[method] = (...args: unknown[]) => {
      if (child || parent.isLevelEnabled(method)) (real()[method] as (...a: unknown[]) => void)(...args);
    };
  }
  Object.defineProperty(lazy, 'level', {
    get: () => (child ?? parent).level,
    set: (level: string) => (real().level = level),
  });
  return lazy as unknown as FastifyBaseLogger;
}

/** Nest's LoggerService on top of the same pino logger. */
export class PinoLoggerService implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
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
