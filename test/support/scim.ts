import { DataSource } from 'typeorm';
import { OnboardedOrganization } from '../../apps/server/src/onboarding/onboarding.service';
import { client, HttpResponse } from './http';
import { TestApp } from './test-app';

export const SCIM = '/v1.0/scim/v2';
export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

export type Client = ReturnType<typeof client>;

export interface ScimOrganization {
  org: OnboardedOrganization;
  /** Torii API key client (admin/settings API). */
  admin: Client;
  /** Torii SCIM key client, requests sent under the SCIM base path. */
  scim: Client;
  scimKey: string;
  scimKeyId: string;
}

/**
 * An organization as an admin leaves it after Settings > Security (SCIM on)
 * and Settings > API Access (a Torii SCIM key), through the real admin API.
 */
export async function scimOrganization(t: TestApp, name?: string, adminEmail?: string): Promise<ScimOrganization> {
  const org = await t.createOrganization(name, adminEmail);
  const admin = client(t.url, org.apiKey.key);
  const enabled = await admin.patch('/v1.0/settings/security', { body: { scimEnabled: true } });
  if (enabled.status !== 200) throw new Error(`enabling SCIM failed: ${enabled.text}`);
  const key = await admin.post('/v1.0/settings/api-keys', { body: { type: 'scim', description: 'Okta' } });
  if (key.status !== 201) throw new Error(`creating a SCIM key failed: ${key.text}`);
  return { org, admin, scim: client(`${t.url}${SCIM}`, key.body.key), scimKey: key.body.key, scimKeyId: key.body.id };
}

/** A minimal valid User body. */
export function userBody(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemas: [CORE_USER], userName, ...extra };
}

/** The body Okta's Torii app sends on create (as captured from Okta's SCIM 2.0 connector). */
export function oktaCreateBody(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const [local] = userName.split('@');
  return {
    schemas: [CORE_USER],
    userName,
    name: { givenName: `Given ${local}`, familyName: `Family ${local}` },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `Given ${local} Family ${local}`,
    locale: 'en-US',
    externalId: `00u${local.replace(/[^a-z0-9]/gi, '')}`,
    groups: [],
    password: 'Sup3r-Secret!pw',
    active: true,
    ...extra,
  };
}

export async function createUser(scim: Client, body: Record<string, unknown>): Promise<any> {
  const response = await scim.post('/Users', { body });
  if (response.status !== 201) throw new Error(`POST /Users failed (${response.status}): ${response.text}`);
  return response.body;
}

/** Asserts the SCIM Error body and media type; returns the body for more checks. */
export function expectScimError(response: HttpResponse, status: number, scimType?: string): any {
  expect({ status: response.status, body: response.body }).toEqual({
    status,
    body: {
      schemas: [ERROR_SCHEMA],
      status: String(status),
      ...(scimType ? { scimType } : {}),
      detail: expect.any(String),
    },
  });
  expect(response.headers.get('content-type')).toBe(SCIM_CONTENT_TYPE);
  expect(response.body.detail.length).toBeGreaterThan(10);
  return response.body;
}

export function patchBody(...operations: Array<Record<string, unknown>>): Record<string, unknown> {
  return { schemas: [PATCH_OP], Operations: operations };
}

/** Everything stored about one user: its row and its multi-valued attribute rows (for "unchanged after an error" checks). */
export async function userSnapshot(dataSource: DataSource, id: string | number): Promise<unknown> {
  const [user] = await dataSource.query('SELECT * FROM users WHERE id = ?', [Number(id)]);
  const values = await dataSource.query('SELECT * FROM user_attribute_values WHERE user_id = ? ORDER BY id', [Number(id)]);
  return JSON.parse(JSON.stringify({ user, values }));
}

/** URL-encodes a filter the way most clients do (%20 for spaces). */
export function filterQuery(filter: string): string {
  return `filter=${encodeURIComponent(filter)}`;
}
