import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { ApiKeyType } from '../api-keys/api-key.entity';
import type { AuditScope } from '../audit/audit-context';

export const KEY_TYPE_METADATA = 'torii:keyType';

/**
 * Every route needs a key: a Torii API key unless the controller says
 * `@RequiresKey('scim')`, or `@Public()` for health checks and docs.
 */
export const RequiresKey = (type: ApiKeyType | 'none') => SetMetadata(KEY_TYPE_METADATA, type);
export const Public = () => RequiresKey('none');

/** Who is calling: set on the request by the ApiKeyGuard. */
export interface AuthContext {
  keyId: number;
  organizationId: number;
  type: ApiKeyType;
  expiresAt: Date | null;
  /** The key as events and logs name it (`torii_scim_…abcd`), and its description: who acted. */
  maskedKey: string;
  description: string | null;
}

/**
 * `auth`: the verified key. `refusedKey`: a key that was recognised but refused (wrong type, SCIM
 * off): its organization may see that attempt in its audit log. `expiredKey`: a key refused because
 * it expired: its organization may see the attempt in the provisioning inspector.
 */
export type AuthenticatedRequest = {
  auth?: AuthContext;
  refusedKey?: Omit<AuthContext, 'expiresAt'>;
  expiredKey?: Omit<AuthContext, 'expiresAt'>;
};

/** Who is acting, for the audit log: the calling key and the request id (see audit/audit-context.ts). */
export const Acting = createParamDecorator((_: unknown, ctx: ExecutionContext): AuditScope => {
  const request = ctx.switchToHttp().getRequest<AuthenticatedRequest & { id?: string }>();
  const auth = request.auth;
  if (!auth) throw new Error('Acting used on a route without authentication');
  return {
    actor: {
      type: auth.type === 'scim' ? 'scim-key' : 'api-key',
      keyId: auth.keyId,
      maskedKey: auth.maskedKey,
      description: auth.description,
    },
    requestId: request.id,
  };
});

/** The organization of the calling key: every query is scoped by it. */
export const OrganizationId = createParamDecorator((_: unknown, ctx: ExecutionContext): number => {
  const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.auth) throw new Error('OrganizationId used on a route without authentication');
  return request.auth.organizationId;
});
