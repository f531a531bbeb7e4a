import { cutBody, RedactionRules, redactScimQuery, scimClientOf } from '@app/scim-protocol';
import { scrubKeys } from '../api-keys/api-key.format';
import { SCIM_BASE_PATH } from '../common/http-error';
import type { NewScimRequest } from './scim-requests.repository';

/**
 * What the recorder takes of a SCIM request when it is answered: references to what the request
 * and the reply already hold (the body as received, the response as sent), nothing computed.
 * Redaction, cutting and parsing wait for the batch (toStoredRequest), off the request's path.
 */
export interface CapturedRequest {
  organizationId: number;
  keyId: number;
  keyMasked: string;
  keyDescription: string | null;
  at: Date;
  method: string;
  /** The URL as sent: path and query. */
  url: string;
  status: number;
  durationMs: number;
  userAgent: string | undefined;
  requestId: string;
  scimType: string | undefined;
  detail: string | undefined;
  /** The Location header of the answer (a created resource). */
  location: string | undefined;
  /** The body as received, when the server read it. */
  requestText: string | undefined;
  /** Whether the server parsed requestText as JSON (so it is valid JSON). */
  requestJson: boolean;
  /** A body that was not read (too large): its Content-Length, or '' when unknown. */
  requestUnread: string | undefined;
  /** The response body as sent. */
  responseText: string | undefined;
}

/** UTF-8 bytes kept of each body and of the query: TEXT's 65,535 on MySQL (contract: at most 64 KB, cut with a marker). */
export const MAX_STORED_TEXT_BYTES = 65_535;
const MAX_PATH = 1024;
const MAX_USER_AGENT = 255;
const MAX_DETAIL = 1024;
const MAX_TARGET_ID = 64;
const MAX_RESOURCE_TYPE = 32;
const MAX_SCIM_TYPE = 32;

/** The memory a captured request holds until it is written (for the recorder's bound): its texts, roughly. */
export function capturedSize(c: CapturedRequest): number {
  return 200 + c.url.length + (c.requestText?.length ?? 0) + (c.responseText?.length ?? 0) + (c.userAgent?.length ?? 0);
}

/**
 * The row of a captured request: bodies and query redacted (password and the listed attributes
 * become "[redacted]"), anything that looks like a key scrubbed, long texts cut; the client told
 * from the User-Agent; the resource type and target from the path (or a created resource's
 * Location). The Authorization header and other headers are never kept.
 */
export function toStoredRequest(c: CapturedRequest, rules: RedactionRules): NewScimRequest {
  const mark = c.url.indexOf('?');
  const path = mark < 0 ? c.url : c.url.slice(0, mark);
  const query = mark < 0 ? '' : c.url.slice(mark + 1);
  const { resourceType, targetId } = routeOf(path);
  return {
    organizationId: c.organizationId,
    at: c.at,
    method: c.method.slice(0, 16),
    path: cut(scrubKeys(path), MAX_PATH),
    query: query === '' ? null : cutBody(storedQuery(query, rules), MAX_STORED_TEXT_BYTES),
    resourceType: resourceType === undefined ? null : cut(resourceType, MAX_RESOURCE_TYPE),
    targetId: targetId ?? createdId(c.location, resourceType) ?? null,
    status: c.status,
    durationMs: Math.round(c.durationMs * 10) / 10,
    apiKeyId: c.keyId,
    keyMasked: c.keyMasked,
    keyDescription: c.keyDescription,
    client: scimClientOf(c.userAgent),
    userAgent: c.userAgent ? cut(scrubKeys(c.userAgent), MAX_USER_AGENT) : null,
    scimType: c.scimType ? c.scimType.slice(0, MAX_SCIM_TYPE) : null,
    detail: c.detail ? cut(c.detail, MAX_DETAIL) : null,
    requestId: c.requestId.slice(0, 128),
    requestBody: storedBody(c.requestText, c.requestJson, rules) ?? unread(c.requestUnread),
    responseBody: storedBody(c.responseText, true, rules),
  };
}

/** The query redacted (redactScimQuery), keys scrubbed; as sent when it names nothing of either (Okta's `userName eq`). */
function storedQuery(query: string, rules: RedactionRules): string {
  let decoded: string | undefined;
  try {
    decoded = decodeURIComponent(query);
  } catch {
    // A malformed escape: the parameters are read one by one.
  }
  if (decoded !== undefined && !rules.mentionedIn(decoded) && !decoded.includes('torii_')) return query;
  return redactScimQuery(query, rules, scrubKeys);
}

/** A body as stored: redacted (redactScimText), keys scrubbed, cut; null for none. */
function storedBody(text: string | undefined, json: boolean, rules: RedactionRules): string | null {
  if (text === undefined || text === '') return null;
  return cutBody(scrubKeys(rules.redactText(text, json)), MAX_STORED_TEXT_BYTES);
}

/** A body the server refused before reading it (over the size limit). */
function unread(contentLength: string | undefined): string | null {
  if (contentLength === undefined) return null;
  const bytes = Number(contentLength);
  return Number.isSafeInteger(bytes) && bytes > 0
    ? `[not read: a body of ${bytes.toLocaleString('en-US')} bytes]`
    : '[not read: a body of unknown size]';
}

/**
 * `/v1.0/scim/v2/Users/42?x` → `Users`, `42`. `Users` and `Groups` in any case are written as such;
 * another first segment is kept as sent (`Schemas`, `ServiceProviderConfig`, `.search`); the base
 * itself has none. Only a user's or a group's id is a target.
 */
function routeOf(path: string): { resourceType?: string; targetId?: string } {
  const rest = path.slice(SCIM_BASE_PATH.length).replace(/^\/+/, '');
  if (rest === '') return {};
  const [first, second] = rest.split('/');
  const resourceType = canonicalResource(decodeSafe(first));
  if ((resourceType === 'Users' || resourceType === 'Groups') && second && second !== '.search') {
    return { resourceType, targetId: cut(decodeSafe(second), MAX_TARGET_ID) };
  }
  return { resourceType };
}

function canonicalResource(segment: string): string {
  const lower = segment.toLowerCase();
  return lower === 'users' ? 'Users' : lower === 'groups' ? 'Groups' : segment;
}

/** The id a POST created, from its Location (`…/Users/42`). */
function createdId(location: string | undefined, resourceType: string | undefined): string | undefined {
  if (location === undefined || (resourceType !== 'Users' && resourceType !== 'Groups')) return undefined;
  const id = location.slice(location.lastIndexOf('/') + 1);
  return id === '' ? undefined : cut(decodeSafe(id), MAX_TARGET_ID);
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** At most `max` UTF-16 units, the last an ellipsis when cut; never half of a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
