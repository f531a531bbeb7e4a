import { APP_CONFIG, AppConfig } from '@app/config';
import { Module } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { REQUEST_ID_HEADER } from './request-id';

/**
 * Structured JSON logs (pino), one line per request with its request id.
 * Credentials never reach the logs: the Authorization header is redacted.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.logLevel,
          // The id Fastify assigned (see request-id.ts), so HTTP logs and error logs agree.
          genReqId: (req: IncomingMessage) => req.headers[REQUEST_ID_HEADER] as string,
          redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
          customLogLevel: (_req: IncomingMessage, res: { statusCode: number }, err?: Error) =>
            err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
          serializers: {
            req: (req: { id: string; method: string; url: string; headers: Record<string, unknown> }) => ({
              id: req.id,
              method: req.method,
              url: req.url,
              userAgent: req.headers['user-agent'],
              authorization: req.headers.authorization ? '[redacted]' : undefined,
            }),
          },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
