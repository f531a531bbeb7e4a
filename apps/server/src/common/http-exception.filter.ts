import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { renderError } from './http-error';

/**
 * The one exception filter of the app (registered as APP_FILTER): every error,
 * from a guard, a pipe, a service or Fastify's body parser, leaves through here
 * as the admin API's JSON error or, under the SCIM base path, a SCIM Error.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const rendered = renderError(exception, request.url, request.method);
    if (rendered.internal) {
      this.logger.error(
        // The route's template, not its path: the request's own line (same reqId) has the path, masked.
        { err: exception, reqId: request.id, method: request.method, route: request.routeOptions?.url ?? '(no route)' },
        'Unhandled error while serving a request',
      );
    }
    // What a person reads of the refusal, kept for the audit log's record of failed SCIM requests (audit/).
    (request as RefusedRequest).refusal = {
      scimType: rendered.body.scimType as string | undefined,
      detail: String(rendered.body.detail ?? rendered.body.message ?? ''),
    };
    void reply.status(rendered.status).headers(rendered.headers).send(JSON.stringify(rendered.body));
  }
}

/** A request whose answer was an error: the sentence and SCIM error type it was given. */
export type RefusedRequest = { refusal?: { scimType?: string; detail: string } };
