/*
 * The admin API's response shapes (base path /v1.0), as types only: the server's services return
 * them, its OpenAPI response classes implement them, and the settings UI (apps/web) reads them.
 * `npm run typecheck` checks both sides against this one file. Nothing here exists at run time, so
 * import it with `import type`. (The text limits, values, are in limits.ts.)
 */

export type KeyType = 'api' | 'scim';

/**
 * Limits of the admin API's inputs, as literal types: the settings UI declares its constants with them
 * (`const max: InputLimits['organizationName'] = 100`), so a limit changed on the server fails the UI's
 * typecheck until the UI follows. Lengths are in characters (code points), after trimming spaces.
 */
export interface InputLimits {
  /** PATCH /v1.0/organization `name`. */
  organizationName: 100;
  /** PATCH /v1.0/users/{id} `name` (a full name), like a key's description. */
  fullName: 255;
  /** PATCH /v1.0/users/{id} `email`, and each notification recipient. */
  email: 254;
  /** PUT /v1.0/settings/notification-recipients: distinct addresses. */
  notificationRecipients: 20;
}

export interface OrganizationView {
  id: string;
  name: string;
  createdAt: string;
}

export interface SecuritySettingsView {
  scimEnabled: boolean;
}

export interface ApiKeyView {
  id: string;
  type: KeyType;
  description: string | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  /** The key's first request: in a rotation, when the identity provider switched to it. */
  firstUsedAt: string | null;
  /** The key this one replaces (generated with Rotate), if any. */
  replacesKeyId: string | null;
  status: 'active' | 'expired';
  maskedKey: string;
}

/** GET /v1.0/settings/api-keys `policy`: what a new key's expiration may be, and what it is proposed to be. */
export interface KeyPolicyView {
  /** The longest expiration a new key may have, in days (API_KEY_MAX_LIFETIME_DAYS); null: no limit. */
  maxLifetimeDays: number | null;
  /** The expiration proposed for a new key, in days (API_KEY_DEFAULT_LIFETIME_DAYS, 90): never expiring is a choice. */
  defaultLifetimeDays: number;
}

/** The creation response: the only time the full key is ever shown. */
export interface CreatedApiKeyView extends ApiKeyView {
  key: string;
}

export interface RoleView {
  id: string;
  name: string;
  description: string | null;
  predefined: boolean;
  userCount: number;
  createdAt: string;
}

export interface UserView {
  id: string;
  userName: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  displayName: string | null;
  role: string;
  /** Where the role comes from: a group's role mapping, or the user itself (SCIM userType, the admin API, the default). */
  roleSource: 'group' | 'user';
  /** The group whose mapping gives the role, when roleSource is "group". */
  roleGroup: { id: string; displayName: string } | null;
  active: boolean;
  status: 'active' | 'inactive';
  externalId: string | null;
  /**
   * Whether an identity provider manages the user (it was written through SCIM): its email and name are
   * then the identity provider's, and PATCH /v1.0/users/{id} refuses to change them (409). False for
   * users made by the first start or the CLI and never written through SCIM.
   */
  scimManaged: boolean;
  createdAt: string;
  updatedAt: string;
}

/** PATCH /v1.0/users/{id}: each field absent is unchanged. */
export interface UserUpdate {
  role?: string;
  active?: boolean;
  /** The new email address (userName and primary email); only for a user no identity provider manages. */
  email?: string;
  /** The new full name (displayName, name), null to clear it; only for a user no identity provider manages. */
  name?: string | null;
}

/** GET and PUT /v1.0/settings/notification-recipients. */
export interface NotificationRecipientsView {
  /** Who gets key-expiry reminders, SCIM connection alerts and incident emails besides the active Admins. */
  emails: string[];
}

/** A role mapping: members of the group have the role (lowest priority number wins). */
export interface RoleMappingView {
  id: string;
  groupId: string;
  groupDisplayName: string;
  role: string;
  priority: number;
  createdAt: string;
  updatedAt: string;
}

/** A group as the admin API shows it: the identity provider's, read-only here. */
export interface GroupView {
  id: string;
  displayName: string;
  externalId: string | null;
  memberCount: number;
  /** The role its mapping gives its members, or null when it has none. */
  role: string | null;
  roleMappingId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Who acted: a key (admin API or SCIM), the operator CLI, or the system itself (jobs, first run). */
export interface AuditActorView {
  type: 'api-key' | 'scim-key' | 'cli' | 'system';
  keyId?: string;
  maskedKey?: string;
  /** A key's description at the time; for the system, "First start" (none: a scheduled job). */
  description?: string | null;
}

/** One event of the audit log. */
export interface AuditEventView {
  id: string;
  occurredAt: string;
  action: string;
  actor: AuditActorView;
  target: { type: string; id: string | null; display: string | null };
  changes?: Array<{ attribute: string; from?: unknown; to?: unknown }>;
  outcome: 'success' | 'failure';
  status?: number;
  scimType?: string;
  detail?: string;
  requestId: string | null;
}

export interface AuditPage {
  events: AuditEventView[];
  count: number;
  nextCursor: string | null;
}

export type ScimHealthStatus = 'never-connected' | 'healthy' | 'degraded' | 'silent' | 'off';

/** The SCIM connection as the identity provider uses it. */
export interface ScimHealthView {
  status: ScimHealthStatus;
  /** A sentence saying what the status means and what to do. */
  summary: string;
  lastRequestAt: string | null;
  requests24h: number;
  errors24h: number;
  keys: Array<{
    keyId: string;
    maskedKey: string;
    description: string | null;
    lastUsedAt: string | null;
    requests24h: number;
    errors24h: number;
    lastError?: { at: string; status: number; detail: string };
  }>;
  /** The organization's open deprovisioning incident, if any: the identity provider deactivated or deleted many users at once. */
  incident: IncidentSummaryView | null;
}

export type ReminderStatus = 'pending' | 'sent' | 'failed' | 'cancelled' | 'superseded';

/**
 * How a message left the server: `smtp`, accepted by the SMTP server of SMTP_URL; `outbox`, written as an
 * .eml file to the local outbox folder (MAIL_OUTBOX_DIR) because no SMTP_URL is set: nobody received it.
 */
export type MailDelivery = 'smtp' | 'outbox';

export interface ReminderView {
  id: string;
  /** expiry: a key-expiry reminder; scim-health: a SCIM connection alert (degraded or silent); deprovisioning: a deprovisioning incident's alert. */
  kind: 'expiry' | 'scim-health' | 'deprovisioning';
  /** For a scim-health alert: the status it announced and its sentence. */
  health?: { status: string; summary: string };
  /** For a deprovisioning alert: the incident it announced. */
  incident?: { id: string; count: number };
  apiKeyId: string;
  keyType: KeyType;
  keyDescription: string | null;
  maskedKey: string;
  leadTime: string;
  expiresAt: string;
  status: ReminderStatus;
  attempts: number;
  lastError: string | null;
  recipients: string[];
  sentAt: string | null;
  /** For a sent message: handed to SMTP, or only written to the outbox folder; null before it is sent (or when unknown: sent before this was recorded). */
  delivery: MailDelivery | null;
  nextAttemptAt: string | null;
  createdAt: string;
}

/** A cursor-paged list: `{ <items>: [...], count, total, nextCursor }`. */
export interface CursorPage {
  count: number;
  total: number;
  nextCursor: string | null;
}

export type UserPage = CursorPage & { users: UserView[] };

/** A deleted user, restorable until `purgeAt` (DELETED_USER_RETENTION_DAYS after its deletion). */
export interface DeletedUserView {
  id: string;
  userName: string;
  displayName: string | null;
  deletedAt: string;
  deletedBy: AuditActorView;
  purgeAt: string;
}

/** `GET /v1.0/users/deleted`: most recently deleted first. */
export interface DeletedUserPage {
  users: DeletedUserView[];
  count: number;
  nextCursor: string | null;
}

export type IncidentStatus = 'open' | 'undone' | 'dismissed';

/** What the banner and the connection card show of an open incident. */
export interface IncidentSummaryView {
  id: string;
  openedAt: string;
  lastAt: string;
  count: number;
}

/** A deprovisioning incident: the identity provider deactivated or deleted many users at once. */
export interface DeprovisioningIncidentView extends IncidentSummaryView {
  status: IncidentStatus;
  /** The SCIM key whose request opened the incident. */
  keyId: string | null;
  key: { id: string; maskedKey: string; description: string | null } | null;
  /** Each user once, with its latest change in the incident. */
  users: Array<{ id: string; userName: string; change: 'deactivated' | 'deleted'; at: string }>;
  /** When it was undone or dismissed, and by whom. */
  closedAt: string | null;
  closedBy: AuditActorView | null;
}

export interface DeprovisioningIncidentList {
  incidents: DeprovisioningIncidentView[];
}

/** `POST .../{id}/undo`: the incident, now undone, and what became of each of its users. */
export interface IncidentUndoResult {
  incident: DeprovisioningIncidentView;
  restored: Array<{ id: string; userName: string }>;
  /** Users not put back, each with a sentence (their userName is taken by a new user, or they were purged). */
  notRestored: Array<{ id: string; userName: string; reason: string }>;
}
export type MemberPage = CursorPage & { members: UserView[] };
export type GroupPage = CursorPage & { groups: GroupView[] };
/** A reminder that will be sent: a live key with an expiration whose next reminder is not recorded yet. */
export interface UpcomingReminderView {
  apiKeyId: string;
  keyType: KeyType;
  keyDescription: string | null;
  maskedKey: string;
  expiresAt: string;
  leadTime: string;
  /** When its window opens; the job sends it on its first run from then on. */
  remindAt: string;
}

export type ReminderPage = CursorPage & {
  notifications: ReminderView[];
  /** Reminders to come, soonest first (keys with an expiration, whose reminder is not recorded yet). */
  upcoming: UpcomingReminderView[];
  /** When the reminder job runs next in this process (REMINDER_CRON), or null when this process does not run it. */
  nextRunAt: string | null;
  /** How this server delivers mail now: `outbox` when no SMTP_URL is set (messages are only written to MAIL_OUTBOX_DIR). */
  mailDelivery: MailDelivery;
};

/** The identity provider that sent a SCIM request, from its User-Agent. */
export type ScimClientView = 'okta' | 'entra' | 'other';

/**
 * One SCIM request as the provisioning inspector lists it (`GET /v1.0/scim-requests`): what was
 * asked and what was answered, without the bodies.
 */
export interface ScimRequestView {
  id: string;
  /** When the answer was sent. */
  at: string;
  method: string;
  /** The path as sent, e.g. `/v1.0/scim/v2/Users/42`. */
  path: string;
  /** The query string as sent (without `?`), with the values of redacted attributes replaced; null when there was none. */
  query: string | null;
  status: number;
  /** failure: 4xx (but a GET's 404) or 5xx, as the audit log and the connection health count them. */
  outcome: 'success' | 'failure';
  durationMs: number;
  /** The key that sent it (never the key itself). */
  key: { id: string; maskedKey: string; description: string | null };
  client: ScimClientView;
  userAgent: string | null;
  /** `Users` or `Groups` (or the discovery endpoint's name); null for the SCIM base itself. */
  resourceType: string | null;
  /** The user's or group's id: in the path, or the one a POST created. */
  targetId?: string;
  scimType?: string;
  /** The sentence a refused request was answered with. */
  detail?: string;
  /** X-Request-Id: the same as the audit log's requestId and the server's log lines. */
  requestId: string | null;
}

/**
 * `GET /v1.0/scim-requests/{id}`: the request with its bodies as text, each at most 64 KB (a longer
 * one is cut, ending with `…[cut: N more bytes]`), `password` and SCIM_REDACT_ATTRIBUTES values
 * replaced by "[redacted]"; null when there was none.
 */
export interface ScimRequestDetailView extends ScimRequestView {
  requestBody: string | null;
  responseBody: string | null;
}

/** `GET /v1.0/scim-requests`: newest first. */
export interface ScimRequestPage {
  requests: ScimRequestView[];
  count: number;
  nextCursor: string | null;
}

/** The error body of every admin API refusal. */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: Array<{ field: string; message: string }>;
}
