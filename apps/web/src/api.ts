// The admin API (docs/api.md), exactly as any other client calls it: Bearer <Torii API key>.
// Its response types are the server's own (libs/api-types), so the two cannot drift apart.
import type {
  ApiKeyView,
  AuditEventView,
  ScimHealthView,
  CreatedApiKeyView,
  DeletedUserPage,
  DeletedUserView,
  DeprovisioningIncidentList,
  DeprovisioningIncidentView,
  GroupView,
  IncidentUndoResult,
  KeyPolicyView,
  KeyType,
  NotificationRecipientsView,
  OrganizationView,
  ReminderPage,
  ReminderView,
  RoleMappingView,
  RoleView,
  ScimRequestDetailView,
  ScimRequestView,
  SecuritySettingsView,
  UserUpdate,
  UserView,
} from '@app/api-types';
import { humanizeInstants } from './format';

export type { KeyPolicyView as KeyPolicy, KeyType, MailDelivery, ReminderStatus } from '@app/api-types';
export type Organization = OrganizationView;
export type ApiKey = ApiKeyView;
export type CreatedApiKey = CreatedApiKeyView;
export type Role = RoleView;
export type User = UserView;
export type Reminder = ReminderView;
export type Group = GroupView;
export type RoleMapping = RoleMappingView;
export type AuditEvent = AuditEventView;
export type ScimHealth = ScimHealthView;
export type DeletedUser = DeletedUserView;
export type Incident = DeprovisioningIncidentView;
export type UndoResult = IncidentUndoResult;
export type ScimRequest = ScimRequestView;
export type ScimRequestDetail = ScimRequestDetailView;
export type { AuditActorView as Actor, IncidentSummaryView as IncidentSummary } from '@app/api-types';

/** The users lists' filters (GET /v1.0/users and /v1.0/settings/members). */
export interface UserFilters {
  q?: string;
  role?: string;
  status?: 'active' | 'inactive';
}

/** `?a=1&b=2` of the filters that are set, or nothing: for API paths, and for the page's own address. */
export function query(filters: object): string {
  const text = new URLSearchParams(
    Object.entries(filters).filter((entry): entry is [string, string] => Boolean(entry[1])),
  ).toString();
  return text ? `?${text}` : '';
}

/** The audit log's filters, as GET /v1.0/audit-log takes them. */
export interface AuditFilters {
  action?: string;
  actorKeyId?: string;
  targetType?: string;
  targetId?: string;
  since?: string;
  until?: string;
  outcome?: 'success' | 'failure';
}

/** The provisioning inspector's filters, as GET /v1.0/scim-requests takes them. */
export interface ScimRequestFilters {
  outcome?: 'success' | 'failure';
  method?: string;
  resourceType?: string;
  keyId?: string;
  targetId?: string;
  requestId?: string;
  since?: string;
  until?: string;
}

export interface Page<T> {
  items: T[];
  /** null for lists whose API gives no total (deleted users). */
  total: number | null;
  nextCursor: string | null;
}

/** The API's error body, `{ statusCode, error, message, details? }`, as an exception whose message a person can read. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: { field: string; message: string }[] = [],
  ) {
    super(message);
  }
}

export const NETWORK_ERROR = 'Could not reach the Torii server. Check your connection and try again.';

/**
 * Sends one request and returns the response when it is a success; otherwise throws the API's error
 * as an ApiError (a refused key, 401, calls `onUnauthorized` first).
 */
async function send(
  key: string,
  method: string,
  path: string,
  body: unknown,
  onUnauthorized: ((message: string) => void) | undefined,
  accept = 'application/json',
): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        accept,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, NETWORK_ERROR);
  }
  if (response.ok) return response;
  const parsed = parse(await response.text());
  const details: { field: string; message: string }[] = Array.isArray(parsed?.details) ? parsed.details : [];
  const message =
    typeof parsed?.message === 'string' && parsed.message
      ? parsed.message
      : `The server answered ${response.status} ${response.statusText || ''}`.trim() + '.';
  const error = new ApiError(response.status, message, details);
  if (response.status === 401) onUnauthorized?.(message);
  throw error;
}

function parse(text: string): any {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Sends one request and reads its JSON answer; a refused key (401) calls `onUnauthorized` before the error is thrown. */
export async function call<T>(
  key: string,
  method: string,
  path: string,
  body?: unknown,
  onUnauthorized?: (message: string) => void,
): Promise<T> {
  const response = await send(key, method, path, body, onUnauthorized);
  return parse(await response.text()) as T;
}

/** A client bound to the signed-in key. */
export function createApi(key: string, onUnauthorized: (message: string) => void) {
  const request = <T>(method: string, path: string, body?: unknown) => call<T>(key, method, path, body, onUnauthorized);
  const page = async <T>(path: string, field: string, cursor?: string | null, size = 50): Promise<Page<T>> => {
    const query = new URLSearchParams({ size: String(size) });
    if (cursor) query.set('cursor', cursor);
    const separator = path.includes('?') ? '&' : '?';
    const result = await request<Record<string, any>>('GET', `${path}${separator}${query}`);
    return { items: result[field] as T[], total: result.total, nextCursor: result.nextCursor };
  };
  const apiKeyList = () => request<{ apiKeys: ApiKey[]; policy: KeyPolicyView }>('GET', '/v1.0/settings/api-keys');
  return {
    organization: () => request<Organization>('GET', '/v1.0/organization'),
    /** 400 with a sentence for a name that is empty, too long or holds control characters. */
    renameOrganization: (name: string) => request<Organization>('PATCH', '/v1.0/organization', { name }),
    /** Who gets reminders, connection alerts and incident emails besides the active Admins. */
    notificationRecipients: async () =>
      (await request<NotificationRecipientsView>('GET', '/v1.0/settings/notification-recipients')).emails,
    /** Replaces the list; a 400's details name each bad entry (`emails[2]`). Answers the list as stored (duplicates folded). */
    setNotificationRecipients: async (emails: string[]) =>
      (await request<NotificationRecipientsView>('PUT', '/v1.0/settings/notification-recipients', { emails })).emails,
    security: () => request<SecuritySettingsView>('GET', '/v1.0/settings/security'),
    setScimEnabled: (scimEnabled: boolean) => request<SecuritySettingsView>('PATCH', '/v1.0/settings/security', { scimEnabled }),
    /** The keys, newest first, with the server's policy for new ones. */
    apiKeyList,
    apiKeys: async () => (await apiKeyList()).apiKeys,
    /** The successor's expiration: YYYY-MM-DD, or null for none. */
    rotateApiKey: (id: string, expiresAt: string | null) =>
      request<CreatedApiKey>('POST', `/v1.0/settings/api-keys/${encodeURIComponent(id)}/rotate`, { expiresAt }),
    describeApiKey: (id: string, description: string | null) =>
      request<ApiKey>('PATCH', `/v1.0/settings/api-keys/${encodeURIComponent(id)}`, { description }),
    createApiKey: (input: { type: KeyType; description?: string; expiresAt?: string }) =>
      request<CreatedApiKey>('POST', '/v1.0/settings/api-keys', input),
    deleteApiKey: (id: string) => request<void>('DELETE', `/v1.0/settings/api-keys/${encodeURIComponent(id)}`),
    roles: async () => (await request<{ roles: Role[] }>('GET', '/v1.0/settings/roles')).roles,
    createRole: (input: { name: string; description?: string }) => request<Role>('POST', '/v1.0/settings/roles', input),
    updateRole: (id: string, input: { name?: string; description?: string | null }) =>
      request<Role>('PATCH', `/v1.0/settings/roles/${encodeURIComponent(id)}`, input),
    deleteRole: (id: string) => request<void>('DELETE', `/v1.0/settings/roles/${encodeURIComponent(id)}`),
    members: (cursor?: string | null, filters: UserFilters = {}) =>
      page<User>(`/v1.0/settings/members${query(filters)}`, 'members', cursor),
    users: (cursor?: string | null, filters: UserFilters = {}) => page<User>(`/v1.0/users${query(filters)}`, 'users', cursor),
    /** How many users the filters match (one user read, for the total). */
    userCount: async (filters: UserFilters) => (await page<User>(`/v1.0/users${query(filters)}`, 'users', null, 1)).total ?? 0,
    groupMembers: (groupId: string, cursor?: string | null) =>
      page<User>(`/v1.0/users?group=${encodeURIComponent(groupId)}`, 'users', cursor),
    groups: (cursor?: string | null) => page<Group>('/v1.0/groups', 'groups', cursor),
    roleMappings: async () =>
      (await request<{ roleMappings: RoleMapping[] }>('GET', '/v1.0/settings/role-mappings')).roleMappings,
    createRoleMapping: (input: { groupId: string; role: string; priority?: number }) =>
      request<RoleMapping>('POST', '/v1.0/settings/role-mappings', input),
    updateRoleMapping: (id: string, input: { role?: string; priority?: number }) =>
      request<RoleMapping>('PATCH', `/v1.0/settings/role-mappings/${encodeURIComponent(id)}`, input),
    deleteRoleMapping: (id: string) => request<void>('DELETE', `/v1.0/settings/role-mappings/${encodeURIComponent(id)}`),
    user: (id: string) => request<User>('GET', `/v1.0/users/${encodeURIComponent(id)}`),
    /** `email` and `name` only for a user no identity provider manages (409 with a sentence otherwise). */
    updateUser: (id: string, input: UserUpdate) => request<User>('PATCH', `/v1.0/users/${encodeURIComponent(id)}`, input),
    scimHealth: () => request<ScimHealth>('GET', '/v1.0/settings/scim-health'),
    /** Deleted users, most recently deleted first; restorable until their purge date. */
    deletedUsers: async (cursor?: string | null, size = 50): Promise<Page<DeletedUser>> => {
      const q = new URLSearchParams({ size: String(size) });
      if (cursor) q.set('cursor', cursor);
      const result = await request<DeletedUserPage>('GET', `/v1.0/users/deleted?${q}`);
      // This list has no total: the count is the page's.
      return { items: result.users, total: null, nextCursor: result.nextCursor };
    },
    /** 409 with a sentence when a live user holds its userName; 404 once purged. */
    restoreUser: (id: string) => request<User>('POST', `/v1.0/users/deleted/${encodeURIComponent(id)}/restore`, {}),
    /** Every incident, newest first, each with its users. */
    incidents: async () =>
      (await request<DeprovisioningIncidentList>('GET', '/v1.0/settings/deprovisioning-incidents')).incidents,
    undoIncident: (id: string) =>
      request<UndoResult>('POST', `/v1.0/settings/deprovisioning-incidents/${encodeURIComponent(id)}/undo`, {}),
    dismissIncident: (id: string) =>
      request<Incident>('POST', `/v1.0/settings/deprovisioning-incidents/${encodeURIComponent(id)}/dismiss`, {}),
    auditLog: (filters: AuditFilters, cursor?: string | null) =>
      page<AuditEvent>(`/v1.0/audit-log${query(filters)}`, 'events', cursor),
    /** GET /v1.0/audit-log/export: every event the filters match, as a file (CSV for a spreadsheet, NDJSON for a SIEM). */
    auditExport: async (filters: AuditFilters, format: 'csv' | 'ndjson'): Promise<Blob> => {
      const accept = format === 'csv' ? 'text/csv' : 'application/x-ndjson';
      const response = await send(
        key,
        'GET',
        `/v1.0/audit-log/export${query({ ...filters, format })}`,
        undefined,
        onUnauthorized,
        accept,
      );
      return response.blob();
    },
    /** The provisioning inspector: every SCIM request of the organization, newest first. */
    scimRequests: (filters: ScimRequestFilters, cursor?: string | null) =>
      page<ScimRequest>(`/v1.0/scim-requests${query(filters)}`, 'requests', cursor),
    scimRequest: (id: string) => request<ScimRequestDetail>('GET', `/v1.0/scim-requests/${encodeURIComponent(id)}`),
    notifications: (cursor?: string | null) => page<Reminder>('/v1.0/settings/notifications', 'notifications', cursor),
    /** The reminders to come, when the job runs next, and how this server delivers mail now (SMTP or the outbox folder). */
    notificationOverview: async () => {
      const { upcoming, nextRunAt, mailDelivery } = await request<ReminderPage>('GET', '/v1.0/settings/notifications?size=1');
      return { upcoming, nextRunAt, mailDelivery };
    },
  };
}

export type Api = ReturnType<typeof createApi>;

/** An error as one or more sentences: the API's message, then each named field. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = error.details.map((d) => d.message).filter((m) => m && !error.message.includes(m));
    return humanizeInstants([error.message, ...fields].join(' '));
  }
  return error instanceof Error ? error.message : String(error);
}
