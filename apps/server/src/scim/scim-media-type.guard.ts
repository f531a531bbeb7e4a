import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../common/app-error';
import { SCIM_CONTENT_TYPE, UNSUPPORTED_MEDIA_TYPE } from '../common/http-error';
import { hasBody } from '../common/json-body';

/** The request media types SCIM bodies may come in (RFC 7644 §3.1 and what clients send). */
const ACCEPTED_MEDIA_TYPES = new Set(['application/scim+json', 'application/json']);

/**
 * SCIM responses are application/scim+json (RFC 7644 §3.1). Request bodies
 * must be JSON: Fastify (and Nest) also parse text/plain and form bodies for
 * the rest of the app, so the SCIM routes refuse those here with a 415.
 * A guard rather than an interceptor: it runs on every SCIM request, and
 * Nest's interceptor chain (rxjs, async-context binding) costs more than the work.
 */
@Injectable()
export class ScimMediaTypeGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    void http.getResponse<FastifyReply>().header('content-type', SCIM_CONTENT_TYPE);
    const request = http.getRequest<FastifyRequest>();
    const contentType = request.headers['content-type'];
    if (contentType !== undefined && hasBody(request.headers)) {
      const mediaType = contentType.split(';')[0].trim().toLowerCase();
      if (!ACCEPTED_MEDIA_TYPES.has(mediaType)) throw new AppError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, UNSUPPORTED_MEDIA_TYPE);
    }
    return true;
  }
}
