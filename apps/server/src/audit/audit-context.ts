import { AsyncLocalStorage } from 'node:async_hooks';

/** Who acts: a key of the admin API or of SCIM (with its masked form and description), the operator CLI, or the system itself. */
export type AuditActor =
  | { type: 'api-key' | 'scim-key'; keyId: number; maskedKey: string; description: string | null }
  | { type: 'cli' }
  | { type: 'system' };

export interface AuditScope {
  actor: AuditActor;
  requestId?: string;
}

const storage = new AsyncLocalStorage<AuditScope>();

/**
 * The actor of the work in progress, carried through async calls (AsyncLocalStorage) so that the
 * services recording events need no extra parameter: an HTTP request runs inside `runAs` with its
 * key (AuditContextInterceptor), a CLI command as `cli`; anything outside a scope (the reminder job,
 * the first-run bootstrap) is the `system`.
 */
export const AuditContext = {
  runAs<T>(scope: AuditScope, work: () => T): T {
    return storage.run(scope, work);
  },
  current(): AuditScope {
    return storage.getStore() ?? { actor: { type: 'system' } };
  },
};
