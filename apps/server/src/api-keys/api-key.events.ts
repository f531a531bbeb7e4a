/**
 * What the key lifecycle tells the rest of the process, through Nest's event emitter (synchronous:
 * every listener has run when `emit` returns). The auth module drops its cached verification of a
 * deleted key here, so the key is refused from the moment the DELETE answers.
 */
export const API_KEY_DELETED = 'api-key.deleted';

export interface ApiKeyDeletedEvent {
  organizationId: number;
  keyId: number;
  keyHash: string;
}

/** A key's description changed: cached verifications carry it (as the actor of audit events), so they are dropped. */
export const API_KEY_DESCRIBED = 'api-key.described';

export type ApiKeyDescribedEvent = ApiKeyDeletedEvent;
