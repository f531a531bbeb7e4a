import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import type { AuthenticatedRequest } from '../auth/auth.decorators';
import { AuditContext, AuditScope } from './audit-context';

/**
 * Runs every handler inside an AuditContext scope: the calling key (set by the ApiKeyGuard, which
 * runs before interceptors) and the request id, for the events the handler's services record.
 * The handler is subscribed to, and so called, inside the scope.
 */
@Injectable()
export class AuditContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    const auth = request.auth;
    const scope: AuditScope = {
      actor: auth
        ? {
            type: auth.type === 'scim' ? 'scim-key' : 'api-key',
            keyId: auth.keyId,
            maskedKey: auth.maskedKey,
            description: auth.description,
          }
        : { type: 'system' },
      requestId: request.id,
    };
    return new Observable((subscriber) => AuditContext.runAs(scope, () => next.handle().subscribe(subscriber)));
  }
}
