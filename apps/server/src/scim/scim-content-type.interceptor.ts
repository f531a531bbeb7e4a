import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Observable } from 'rxjs';
import { SCIM_CONTENT_TYPE } from '../common/http-error';

/** SCIM responses are application/scim+json (RFC 7644 §3.1). */
@Injectable()
export class ScimContentTypeInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    void context.switchToHttp().getResponse<FastifyReply>().header('content-type', SCIM_CONTENT_TYPE);
    return next.handle();
  }
}
