/**
 * Who acts: a key of the admin API or of SCIM (with its masked form and description), the operator CLI, or the
 * system itself: a scheduled job, or, with its description, the first start.
 */
export type AuditActor =
  | { type: 'api-key' | 'scim-key'; keyId: number; maskedKey: string; description: string | null }
  | { type: 'cli' }
  | { type: 'system'; description?: string };

/** A key acting (the actor of a SCIM request, failed or not). */
export type KeyActor = Extract<AuditActor, { type: 'api-key' | 'scim-key' }>;

/**
 * Who acts, and in which request: what every service method that changes something takes, and
 * hands to AuditService with the events it records. Controllers get it from the request
 * (`@Acting()`), the CLI passes CLI_SCOPE, the jobs SYSTEM_SCOPE and the first-run bootstrap FIRST_START_SCOPE.
 *
 * Passed explicitly rather than through AsyncLocalStorage: on Node 20 an AsyncLocalStorage in use
 * turns on promise hooks for the whole process, and measured, that halved the SCIM throughput
 * (GET /Users/{id} 4,475 → 2,398 req/s), reads included.
 */
export interface AuditScope {
  actor: AuditActor;
  requestId?: string;
}

export const SYSTEM_SCOPE: AuditScope = { actor: { type: 'system' } };
/** The first start on an empty database (the organization, its Admin and key it creates): no job, so said so. */
export const FIRST_START_SCOPE: AuditScope = { actor: { type: 'system', description: 'First start' } };
export const CLI_SCOPE: AuditScope = { actor: { type: 'cli' } };
