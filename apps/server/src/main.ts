import 'reflect-metadata';
import { ConfigError, loadConfig } from '@app/config';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { APP_OPTIONS, configureApp, createHttpAdapter } from './app.setup';
import { createLogger } from './common/logger';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), createHttpAdapter(logger), {
    // Until configureApp installs the JSON logger; start-up errors reach the catch below as one sentence.
    ...APP_OPTIONS,
    logger: false,
    abortOnError: false,
  });
  configureApp(app, logger);
  await app.listen({ port: config.port, host: config.host });
  new Logger('Bootstrap').log(
    `Listening on ${config.host}:${config.port} (${config.database.type}, mail ${config.mail.smtpUrl ? 'by SMTP' : `to ${config.mail.outboxDir}`}); settings at ${config.appUrl}/settings, docs at ${config.appUrl}/docs`,
  );
  // Graceful shutdown: stop accepting, let in-flight requests finish, close the pool; bounded by SHUTDOWN_TIMEOUT_MS.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      new Logger('Bootstrap').log(
        `${signal}: stopping (in-flight requests finish first, at most ${config.shutdownTimeoutMs} ms)`,
      );
      setTimeout(() => process.exit(1), config.shutdownTimeoutMs).unref();
      app.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

bootstrap().catch((error: unknown) => {
  // Configuration and start-up failures: one clear sentence, no stack trace, non-zero exit.
  const message = error instanceof ConfigError ? error.message : startupMessage(error);
  process.stderr.write(`${message}\n`);
  process.exit(1);
});

function startupMessage(error: unknown): string {
  const e = error as { code?: string; message?: string };
  if (e?.code === 'EADDRINUSE') return `Could not start: the port is already in use (${e.message}). Set PORT to a free port.`;
  if (
    e?.code === 'ECONNREFUSED' ||
    e?.code === 'ER_ACCESS_DENIED_ERROR' ||
    e?.code === 'ER_BAD_DB_ERROR' ||
    e?.code === 'ENOTFOUND'
  ) {
    return `Could not start: the database is not reachable (${e.code}: ${e.message}). Check DATABASE_URL and that the server is running.`;
  }
  return `Could not start: ${e?.message ?? String(error)}`;
}
