// Pure helpers of the "SCIM requests" page (unit-tested in scim-inspection.spec.ts): the bodies as
// formatted JSON, a plain-language hint for the common refusals, and "Copy as curl" without the key.

import type { ScimClientView } from '@app/api-types';

export const CLIENT_LABELS: Record<ScimClientView, string> = {
  okta: 'Okta',
  entra: 'Microsoft Entra ID',
  other: 'Other client',
};

/** The marker the server ends a body with when it cut it at 64 KB (docs/inspector.md). */
const CUT_MARKER = /…\[cut: ([\d,]+) more bytes\]$/;
/** A body the server did not keep (too large to read, or not JSON and naming a redacted attribute). */
const NOT_KEPT = /^\[(not read|withheld): [^\]]*\]$/;

export interface ShownBody {
  /** Pretty-printed JSON when the stored text parses, else the text as stored. */
  text: string;
  json: boolean;
  /** "12,345 more bytes" when the server cut the body at 64 KB. */
  cut: string | null;
  /** The server kept only a sentence about the body, not the body. */
  notKept: boolean;
}

export function showBody(stored: string): ShownBody {
  const cut = CUT_MARKER.exec(stored);
  if (NOT_KEPT.test(stored)) return { text: stored, json: false, cut: null, notKept: true };
  try {
    return { text: JSON.stringify(JSON.parse(stored), null, 2), json: true, cut: null, notKept: false };
  } catch {
    return { text: stored, json: false, cut: cut ? `${cut[1]} more bytes` : null, notKept: false };
  }
}

export interface HintInput {
  method: string;
  status: number;
  scimType?: string;
  detail?: string;
}

/**
 * What a refusal means and what to do about it, in the words of a support engineer on a call; null when
 * the request succeeded or the refusal is not one of the common ones (its detail speaks for itself).
 */
export function refusalHint({ status, scimType, detail = '' }: HintInput): string | null {
  if (status < 400) return null;
  if (scimType === 'mutability' && /userName/i.test(detail)) {
    return "The identity provider tried to change a user's email (userName). Torii keeps a user's userName for good: create a new user with the new email instead (in the identity provider: unassign the user and assign a new account), or change the email back.";
  }
  if (/is not a role of this organization/i.test(detail)) {
    return 'The identity provider sent a role (userType) this organization does not have. Create the role in Settings > Roles, or change the userType mapping in the identity provider to one of the roles listed.';
  }
  if (/last active Admin/i.test(detail)) {
    return 'This would leave the organization without an active Admin, so Torii refused it. Make another user an Admin first (Members), then let the identity provider retry.';
  }
  if (status === 401 && /expired/i.test(detail)) {
    return 'The identity provider still uses a SCIM key that has expired. Generate a new SCIM key (or rotate this one) in Settings > API Access and paste it into the identity provider.';
  }
  if (status === 403 && /SCIM is turned off/i.test(detail)) {
    return 'SCIM is turned off for this organization, so every request of the identity provider is refused. Turn it on in Settings > Security.';
  }
  if (status === 403 && /needs a Torii SCIM key/i.test(detail)) {
    return 'The identity provider was given a Torii API key instead of a Torii SCIM key. Generate a Torii SCIM key in Settings > API Access and paste it into the identity provider.';
  }
  if (status === 415) {
    return 'The identity provider sent the body with another Content-Type. Torii reads application/scim+json and application/json only: check the SCIM connector (a custom integration usually forgot the header).';
  }
  if (status === 429) {
    return 'The identity provider sent more requests than the key may: it waits and retries on its own. Nothing is lost, provisioning only slows down.';
  }
  if (status === 409 && scimType === 'uniqueness') {
    return 'Something with this name already exists in Torii. Identity providers usually look it up and link it on their next sync.';
  }
  if (status === 413) {
    return 'The body was larger than the server reads (1 MiB). For a group with many members, the identity provider should send its changes in smaller PATCH requests.';
  }
  return null;
}

/** A shell word in single quotes: safe for any text (a quote becomes '\''). */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export interface CurlInput {
  method: string;
  path: string;
  query: string | null;
  requestBody: string | null;
}

/**
 * The request as a curl command, to send it again by hand. Never the key: the Authorization header names
 * a shell variable, $TORII_SCIM_KEY, to be set by whoever runs it. The body is the stored one (redacted:
 * a password reads "[redacted]").
 */
export function curlCommand(origin: string, request: CurlInput): string {
  const url = `${origin}${request.path}${request.query ? `?${request.query}` : ''}`;
  const lines = [`curl -X ${request.method} ${shellQuote(url)}`, `-H "Authorization: Bearer $TORII_SCIM_KEY"`];
  const body = request.requestBody;
  if (body !== null && body !== '' && !NOT_KEPT.test(body)) {
    lines.push(`-H 'Content-Type: application/scim+json'`, `--data-raw ${shellQuote(body)}`);
  }
  return lines.join(' \\\n  ');
}
