import { AppConfig, loadConfig } from '@app/config';
import { generateKey } from '../apps/server/src/api-keys/api-key.format';
import { ScimRequestRecorder } from '../apps/server/src/scim-requests/scim-request-recorder.service';
import { createTestDatabase, TestDatabase } from './support/database';
import { client, HttpResponse } from './support/http';
import {
  Client,
  CORE_USER,
  createUser,
  ENTERPRISE_USER,
  expectScimError,
  oktaCreateBody,
  PATCH_OP,
  SCIM,
  scimOrganization,
  ScimOrganization,
  userBody,
} from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

/*
 * The provisioning inspector (contract §11): every SCIM request of an organization, success or
 * failure, with what was sent and answered; passwords, listed attributes and keys never stored;
 * bounded per organization and by age, safely on several instances; the admin API with its filters,
 * cursor, isolation and key type; recording never fails a request. On the engine under test.
 */

const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const OKTA_AGENT = 'Okta SCIM Client 1.0.0';
const ENTRA_AGENT = 'Microsoft Azure AD SCIM provisioning 1.0.0';

interface Listed {
  id: string;
  at: string;
  method: string;
  path: string;
  query: string | null;
  status: number;
  outcome: 'success' | 'failure';
  durationMs: number;
  key: { id: string; maskedKey: string; description: string | null };
  client: string;
  userAgent: string | null;
  resourceType: string | null;
  targetId?: string;
  scimType?: string;
  detail?: string;
  requestId: string | null;
}
interface Detailed extends Listed {
  requestBody: string | null;
  responseBody: string | null;
}

/** The requests answered so far are recorded: onResponse has run for them, and the recorder has written its buffer. */
async function settle(t: TestApp): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 30));
  await t.app.get(ScimRequestRecorder).flush();
}

/** Every stored row, as the database holds it, each column as text. */
async function storedRows(t: TestApp): Promise<string[]> {
  const rows: Array<Record<string, unknown>> = await t.dataSource.query('SELECT * FROM scim_requests');
  return rows.map((row) => Object.values(row).map(String).join('\u0001'));
}

/** Sends a SCIM request with a User-Agent and, optionally, a raw body and Content-Type. */
async function send(
  t: TestApp,
  key: string | undefined,
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; contentType?: string; agent?: string } = {},
): Promise<HttpResponse> {
  const headers: Record<string, string> = { 'user-agent': options.agent ?? OKTA_AGENT };
  if (key) headers.authorization = `Bearer ${key}`;
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/scim+json';
  const response = await fetch(`${t.url}${SCIM}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

const patchOf = (...operations: unknown[]) => ({ schemas: [PATCH_OP], Operations: operations });

describe('provisioning inspector', () => {
  let t: TestApp;
  let o: ScimOrganization;

  /** The organization's recorded requests, newest first (one page). */
  const list = async (query = '', admin: Client = o.admin): Promise<Listed[]> => {
    const response = await admin.get(`/v1.0/scim-requests?size=200${query}`);
    expect(response.status).toBe(200);
    return response.body.requests as Listed[];
  };
  /** The recorded request answered with this X-Request-Id, with its bodies. */
  const recorded = async (response: HttpResponse, admin: Client = o.admin): Promise<Detailed> => {
    const requestId = response.headers.get('x-request-id')!;
    const [listed] = await list(`&requestId=${encodeURIComponent(requestId)}`, admin);
    expect(listed).toBeDefined();
    const detail = await admin.get(`/v1.0/scim-requests/${listed.id}`);
    expect(detail.status).toBe(200);
    return detail.body as Detailed;
  };

  beforeAll(async () => {
    t = await startTestApp();
    o = await scimOrganization(t, 'Inspected', 'owner@inspected.test');
  });

  afterAll(async () => {
    await t?.close();
  });

  describe('recording', () => {
    it('should record a successful create with every field, the bodies as sent and answered (password redacted)', async () => {
      const body = oktaCreateBody('ana@inspected.test', { password: 'create-secret-1' });
      const response = await send(t, o.scimKey, 'POST', '/Users', { body });
      expect(response.status).toBe(201);
      await settle(t);
      const request = await recorded(response);
      expect(request).toEqual({
        id: expect.any(String),
        at: expect.any(String),
        method: 'POST',
        path: `${SCIM}/Users`,
        query: null,
        status: 201,
        outcome: 'success',
        durationMs: expect.any(Number),
        key: { id: o.scimKeyId, maskedKey: `torii_scim_…${o.scimKey.slice(-4)}`, description: 'Okta' },
        client: 'okta',
        userAgent: OKTA_AGENT,
        resourceType: 'Users',
        targetId: response.body.id,
        requestId: response.headers.get('x-request-id'),
        requestBody: expect.any(String),
        responseBody: expect.any(String),
      });
      expect(Date.now() - new Date(request.at).getTime()).toBeLessThan(60_000);
      expect(request.durationMs).toBeGreaterThanOrEqual(0);
      expect(JSON.parse(request.requestBody!)).toEqual({ ...body, password: '[redacted]' });
      expect(JSON.parse(request.responseBody!)).toEqual(response.body);
      expect(request.responseBody).toBe(response.text);
    });

    it('should record failures with their status, scimType and sentence, and tell Entra by its User-Agent', async () => {
      const user = await createUser(o.scim, userBody('bo@inspected.test'));
      const rename = await send(t, o.scimKey, 'PATCH', `/Users/${user.id}`, {
        body: patchOf({ op: 'Replace', path: 'userName', value: 'other@inspected.test' }),
        agent: ENTRA_AGENT,
      });
      const duplicate = await send(t, o.scimKey, 'POST', '/Users', { body: userBody('bo@inspected.test') });
      const missing = await send(t, o.scimKey, 'GET', '/Users/999999');
      const deleteMissing = await send(t, o.scimKey, 'DELETE', '/Users/999999');
      const badFilter = await send(t, o.scimKey, 'GET', `/Users?filter=${encodeURIComponent('userName xx "a"')}`);
      expect([rename.status, duplicate.status, missing.status, deleteMissing.status, badFilter.status]).toEqual([
        400, 409, 404, 404, 400,
      ]);
      await settle(t);
      const renamed = await recorded(rename);
      expect(renamed).toMatchObject({
        method: 'PATCH',
        status: 400,
        outcome: 'failure',
        client: 'entra',
        userAgent: ENTRA_AGENT,
        targetId: user.id,
        scimType: rename.body.scimType,
        detail: rename.body.detail,
      });
      expect(JSON.parse(renamed.responseBody!)).toEqual(rename.body);
      expect(await recorded(duplicate)).toMatchObject({ status: 409, outcome: 'failure', scimType: 'uniqueness' });
      // A GET's 404 is how a client asks whether something exists: not a failure (as in the audit log).
      expect(await recorded(missing)).toMatchObject({ status: 404, outcome: 'success', targetId: '999999' });
      expect(await recorded(deleteMissing)).toMatchObject({ status: 404, outcome: 'failure', method: 'DELETE' });
      expect(await recorded(badFilter)).toMatchObject({
        status: 400,
        scimType: 'invalidFilter',
        query: `filter=${encodeURIComponent('userName xx "a"')}`,
      });
    });

    it('should record groups, discovery and the SCIM base with their resource type and target', async () => {
      const group = await send(t, o.scimKey, 'POST', '/Groups', {
        body: { schemas: [CORE_GROUP], displayName: 'Inspected team' },
      });
      const config = await send(t, o.scimKey, 'GET', '/ServiceProviderConfig');
      const patched = await send(t, o.scimKey, 'PATCH', `/groups/${group.body.id}`, {
        body: patchOf({ op: 'replace', value: { displayName: 'Renamed team' } }),
      });
      const base = await send(t, o.scimKey, 'GET', '');
      expect([group.status, config.status, patched.status]).toEqual([201, 200, 204]);
      await settle(t);
      expect((await recorded(base)).resourceType).toBeNull();
      expect(await recorded(group)).toMatchObject({ resourceType: 'Groups', targetId: group.body.id, status: 201 });
      expect(await recorded(config)).toMatchObject({ resourceType: 'ServiceProviderConfig', status: 200 });
      expect((await recorded(config)).targetId).toBeUndefined();
      expect(await recorded(patched)).toMatchObject({
        resourceType: 'Groups',
        targetId: group.body.id,
        path: `${SCIM}/groups/${group.body.id}`,
      });
    });

    it('should record a DELETE with no body either way', async () => {
      const user = await createUser(o.scim, userBody('gone@inspected.test'));
      const response = await send(t, o.scimKey, 'DELETE', `/Users/${user.id}`);
      expect(response.status).toBe(204);
      await settle(t);
      expect(await recorded(response)).toMatchObject({ status: 204, requestBody: null, responseBody: null, targetId: user.id });
    });
  });

  describe('refused requests of a known key', () => {
    it('should record a request refused because SCIM is off, for its organization', async () => {
      const other = await scimOrganization(t, 'Switched off');
      expect((await other.admin.patch('/v1.0/settings/security', { body: { scimEnabled: false } })).status).toBe(200);
      const refused = await send(t, other.scimKey, 'GET', '/Users');
      expectScimError(refused, 403);
      expect((await other.admin.patch('/v1.0/settings/security', { body: { scimEnabled: true } })).status).toBe(200);
      await settle(t);
      expect(await recorded(refused, other.admin)).toMatchObject({
        status: 403,
        outcome: 'failure',
        detail: refused.body.detail,
        key: { id: other.scimKeyId },
      });
    });

    it('should record a Torii API key sent to SCIM (403) under that key', async () => {
      const refused = await send(t, o.org.apiKey.key, 'GET', '/Users');
      expectScimError(refused, 403);
      await settle(t);
      expect(await recorded(refused)).toMatchObject({
        status: 403,
        key: { id: String(o.org.apiKey.id), maskedKey: expect.stringMatching(/^torii_api_…/) },
      });
    });

    it("should record an expired key's 401, so that the organization sees the identity provider still uses it", async () => {
      const expiresAt = new Date(Date.now() + 24 * 3_600_000).toISOString();
      const created = await o.admin.post('/v1.0/settings/api-keys', {
        body: { type: 'scim', description: 'Expiring', expiresAt },
      });
      expect(created.status).toBe(201);
      t.clock.advance(2 * 24 * 3_600_000);
      try {
        const refused = await send(t, created.body.key, 'GET', '/Users');
        expectScimError(refused, 401);
        await settle(t);
        expect(await recorded(refused)).toMatchObject({
          status: 401,
          key: { id: created.body.id, description: 'Expiring' },
          detail: refused.body.detail,
        });
      } finally {
        t.clock.reset();
      }
    });

    it('should record nothing of a request without a key or with one that is not ours', async () => {
      await settle(t);
      const before = (await storedRows(t)).length;
      expectScimError(await send(t, undefined, 'GET', '/Users'), 401);
      expectScimError(await send(t, generateKey('scim'), 'POST', '/Users', { body: userBody('nobody@inspected.test') }), 401);
      expectScimError(await send(t, generateKey('scim'), 'GET', '/Nowhere'), 404);
      await settle(t);
      expect((await storedRows(t)).length).toBe(before);
    });

    it('should record what the body parser refused, after telling the key: malformed JSON, another media type, bad bytes, too large', async () => {
      const malformed = await send(t, o.scimKey, 'POST', '/Users', { raw: '{"userName": "m@inspected.test",}' });
      const withPassword = await send(t, o.scimKey, 'POST', '/Users', {
        raw: '{"userName": "p@inspected.test", "password": "pa"ss"}',
      });
      const plain = await send(t, o.scimKey, 'POST', '/Users', {
        raw: JSON.stringify(oktaCreateBody('plain@inspected.test', { password: 'plain-secret-1' })),
        contentType: 'text/plain',
      });
      const bytes = await fetch(`${t.url}${SCIM}/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${o.scimKey}`, 'content-type': 'application/json' },
        body: new Uint8Array([0x7b, 0xff, 0x7d]),
      });
      const big = await send(t, o.scimKey, 'POST', '/Users', { raw: JSON.stringify({ title: 'x'.repeat(1_100_000) }) });
      const unrouted = await send(t, o.scimKey, 'POST', '/Bulk', { body: { Operations: [] } });
      expect([malformed.status, withPassword.status, plain.status, bytes.status, big.status, unrouted.status]).toEqual([
        400, 400, 415, 400, 413, 404,
      ]);
      await settle(t);
      // Not JSON, naming nothing to redact: kept as sent, mistake included.
      expect(await recorded(malformed)).toMatchObject({
        status: 400,
        scimType: 'invalidSyntax',
        requestBody: '{"userName": "m@inspected.test",}',
      });
      // Not JSON and naming password: its values cannot be told apart, so only its size is kept.
      expect((await recorded(withPassword)).requestBody).toBe(
        '[withheld: 53 bytes that are not valid JSON and name a redacted attribute]',
      );
      // Sent as text/plain but JSON: parsed, so that the password is redacted and the rest kept.
      const plainRecord = await recorded(plain);
      expect(plainRecord).toMatchObject({ status: 415, key: { id: o.scimKeyId } });
      expect(JSON.parse(plainRecord.requestBody!)).toMatchObject({ userName: 'plain@inspected.test', password: '[redacted]' });
      const byId = (id: string | null) => list(`&requestId=${id}`);
      expect((await byId(bytes.headers.get('x-request-id')))[0]).toMatchObject({ status: 400 });
      expect(await recorded(big)).toMatchObject({
        status: 413,
        requestBody: expect.stringMatching(/^\[not read: a body of 1,100,0\d\d bytes\]$/),
      });
      expect(await recorded(unrouted)).toMatchObject({ status: 404, outcome: 'failure', resourceType: 'Bulk' });
    });
  });

  describe('bodies', () => {
    it('should cut each body at 64 KB of UTF-8 with a marker, never inside a character, on both engines', async () => {
      const emails = Array.from({ length: 100 }, (_, i) => ({ value: `e${i}@cut.test`, display: '€'.repeat(250) }));
      const created = await send(t, o.scimKey, 'POST', '/Users', { body: userBody('cut@inspected.test', { emails }) });
      expect(created.status).toBe(201);
      const read = await send(t, o.scimKey, 'GET', `/Users/${created.body.id}`);
      expect(read.status).toBe(200);
      await settle(t);
      for (const response of [created, read]) {
        const request = await recorded(response);
        const body = response === created ? request.requestBody! : request.responseBody!;
        expect(Buffer.byteLength(body, 'utf8')).toBeLessThanOrEqual(65_535);
        expect(Buffer.byteLength(body, 'utf8')).toBeGreaterThan(65_000);
        expect(body).toMatch(/…\[cut: [\d,]+ more bytes\]$/);
        expect(body).not.toContain('\ufffd');
        const more = Number(/\[cut: ([\d,]+) more bytes\]$/.exec(body)![1].replace(/,/g, ''));
        const kept = Buffer.byteLength(body.slice(0, body.lastIndexOf('…[cut:')), 'utf8');
        expect(kept + more).toBe(
          Buffer.byteLength(
            response === created
              ? JSON.stringify({ schemas: [CORE_USER], userName: 'cut@inspected.test', emails })
              : response.text,
            'utf8',
          ),
        );
      }
    });
  });

  describe('redaction', () => {
    it('should store no password of any request shape Okta and Entra send, nor a key (every stored row scanned)', async () => {
      const r = await scimOrganization(t, 'Passwords');
      const okta = (method: string, path: string, body: unknown) => send(t, r.scimKey, method, path, { body, agent: OKTA_AGENT });
      const entra = (method: string, path: string, body: unknown) =>
        send(t, r.scimKey, method, path, { body, agent: ENTRA_AGENT });
      const answers: HttpResponse[] = [];
      const created = await okta('POST', '/Users', oktaCreateBody('pw@passwords.test', { password: 'S3cret-okta-create' }));
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      answers.push(created);
      answers.push(await okta('PUT', `/Users/${id}`, oktaCreateBody('pw@passwords.test', { password: 'S3cret-okta-put' })));
      // Okta's password sync: a value object, and a path.
      answers.push(await okta('PATCH', `/Users/${id}`, patchOf({ op: 'replace', value: { password: 'S3cret-okta-value' } })));
      answers.push(await okta('PATCH', `/Users/${id}`, patchOf({ op: 'replace', path: 'password', value: 'S3cret-okta-path' })));
      // Entra: capitalised op, any case of path, schema-qualified, in a value object with other attributes.
      answers.push(
        await entra('PATCH', `/Users/${id}`, patchOf({ op: 'Replace', path: 'password', value: 'S3cret-entra-path' })),
      );
      answers.push(
        await entra(
          'PATCH',
          `/Users/${id}`,
          patchOf({ op: 'Replace', path: `${CORE_USER}:Password`, value: 'S3cret-entra-urn' }),
        ),
      );
      answers.push(
        await entra(
          'PATCH',
          `/Users/${id}`,
          patchOf({ op: 'Add', value: { displayName: 'Pat', PASSWORD: 'S3cret-entra-value', active: true } }),
        ),
      );
      answers.push(
        await entra('POST', '/Users', {
          schemas: [CORE_USER, ENTERPRISE_USER],
          userName: 'entra@passwords.test',
          externalId: 'e-1',
          active: true,
          password: 'S3cret-entra-create',
          [ENTERPRISE_USER]: { employeeNumber: '42' },
        }),
      );
      // Quotes, backslashes and escapes in the password; an escaped key.
      answers.push(await okta('PATCH', `/Users/${id}`, patchOf({ op: 'replace', value: { password: 'S3cret-"quoted\\slash' } })));
      answers.push(
        await send(t, r.scimKey, 'PATCH', `/Users/${id}`, {
          raw: `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"replace","value":{"\\u0070assword":"S3cret-escaped-key"}}]}`,
        }),
      );
      // Refused requests keep their bodies too: a PATCH of a user that is not there, a malformed body, text/plain.
      answers.push(
        await okta('PATCH', '/Users/999999', patchOf({ op: 'replace', path: 'password', value: 'S3cret-missing-user' })),
      );
      answers.push(
        await send(t, r.scimKey, 'POST', '/Users', { raw: '{"userName":"x@passwords.test","password":"S3cret-malformed",' }),
      );
      answers.push(
        await send(t, r.scimKey, 'PUT', `/Users/${id}`, {
          raw: JSON.stringify(oktaCreateBody('pw@passwords.test', { password: 'S3cret-text-plain' })),
          contentType: 'text/plain',
        }),
      );
      // Groups: Okta's Group Push and Entra's member PATCH, with a password where none belongs.
      const group = await okta('POST', '/Groups', {
        schemas: [CORE_GROUP],
        displayName: 'Pushed',
        members: [{ value: id }],
        password: 'S3cret-group-create',
      });
      answers.push(group);
      answers.push(
        await okta('PUT', `/Groups/${group.body.id}`, {
          schemas: [CORE_GROUP],
          displayName: 'Pushed',
          members: [],
          password: 'S3cret-group-put',
        }),
      );
      answers.push(
        await entra(
          'PATCH',
          `/Groups/${group.body.id}`,
          patchOf({ op: 'Add', path: 'members', value: [{ value: id, password: 'S3cret-group-member' }] }),
        ),
      );
      // Filters: in the query, and in a SearchRequest.
      answers.push(await okta('GET', `/Users?filter=${encodeURIComponent('password eq "S3cret-filter"')}`, undefined));
      answers.push(
        await okta(
          'GET',
          `/Users?filter=${encodeURIComponent('userName eq "pw@passwords.test" or password eq "S3cret-filter-or"')}&count=5`,
          undefined,
        ),
      );
      answers.push(await okta('GET', `/Users?filter=${encodeURIComponent('password eq "S3cret-broken" and (')}`, undefined));
      answers.push(await okta('GET', `/Users?filter=${encodeURIComponent('password[value eq "S3cret-unclosed"')}`, undefined));
      answers.push(
        await okta('POST', '/Users/.search', {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
          filter: 'password eq "S3cret-search"',
        }),
      );
      await settle(t);
      const listed = await list('', r.admin);
      expect(listed.length).toBeGreaterThanOrEqual(answers.length);
      for (const answer of answers) expect(listed.some((l) => l.requestId === answer.headers.get('x-request-id'))).toBe(true);
      const rows = await storedRows(t);
      const secrets = ['S3cret', o.scimKey, r.scimKey, r.org.apiKey.key, o.org.apiKey.key, r.scimKey.slice(11, 40)];
      for (const row of rows) for (const secret of secrets) expect(row).not.toContain(secret);
      expect(rows.join('\n')).toContain('[redacted]');
      const filtered = listed.find((l) => l.requestId === answers[answers.length - 5].headers.get('x-request-id'))!;
      expect(new URLSearchParams(filtered.query!).get('filter')).toBe('password eq "[redacted]"');
    });

    it('should scrub a key sent in a body, a query or a User-Agent', async () => {
      const response = await send(t, o.scimKey, 'POST', `/Users?note=${o.scimKey}`, {
        body: userBody('keyed@inspected.test', { title: o.org.apiKey.key.slice(0, 30) }),
        agent: `curl ${o.scimKey}`,
      });
      expect(response.status).toBe(201);
      await settle(t);
      const request = await recorded(response);
      expect(JSON.stringify(request)).not.toContain(o.scimKey.slice(11));
      expect(JSON.stringify(request)).not.toContain(o.org.apiKey.key.slice(10, 30));
      expect(request.userAgent).toBe('curl torii_scim_[redacted]');
    });
  });

  describe('admin API', () => {
    let a: ScimOrganization;
    let b: ScimOrganization;
    const sent: HttpResponse[] = [];

    beforeAll(async () => {
      a = await scimOrganization(t, 'Listed A');
      b = await scimOrganization(t, 'Listed B');
      const user = await createUser(a.scim, userBody('listed@a.test'));
      sent.push(await send(t, a.scimKey, 'GET', `/Users/${user.id}`));
      sent.push(
        await send(t, a.scimKey, 'PATCH', `/Users/${user.id}`, {
          body: patchOf({ op: 'replace', path: 'title', value: 'Lead' }),
        }),
      );
      sent.push(
        await send(t, a.scimKey, 'PATCH', `/Users/${user.id}`, {
          body: patchOf({ op: 'replace', path: 'userName', value: 'x@a.test' }),
        }),
      );
      sent.push(
        await send(t, a.scimKey, 'GET', `/Users?filter=${encodeURIComponent('userName eq "listed@a.test"')}`, {
          agent: ENTRA_AGENT,
        }),
      );
      sent.push(await send(t, a.scimKey, 'POST', '/Groups', { body: { schemas: [CORE_GROUP], displayName: 'A team' } }));
      sent.push(await send(t, a.scimKey, 'GET', '/Schemas'));
      sent.push(await send(t, b.scimKey, 'GET', '/Users'));
      await settle(t);
    });

    it('should list newest first, walk every request once with the cursor, and refuse a cursor it did not give', async () => {
      const all = await list('', a.admin);
      // The POST /Users of createUser, then the six above.
      expect(all).toHaveLength(7);
      expect(all.map((r) => Number(r.id))).toEqual([...all.map((r) => Number(r.id))].sort((x, y) => y - x));
      expect(all[0].requestId).toBe(sent[5].headers.get('x-request-id'));
      const walked: Listed[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: HttpResponse = await a.admin.get(
          `/v1.0/scim-requests?size=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(page.status).toBe(200);
        expect(page.body.count).toBe(page.body.requests.length);
        walked.push(...page.body.requests);
        cursor = page.body.nextCursor;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(3);
      expect(walked.map((r) => r.id)).toEqual(all.map((r) => r.id));
      const first = await a.admin.get('/v1.0/scim-requests?size=3');
      // Another organization's, altered, or made-up cursors: 400 naming cursor.
      for (const bad of [first.body.nextCursor as string, `${first.body.nextCursor}x`, '12.abcdefghijklmnopqrstuv']) {
        const owner = bad === first.body.nextCursor ? b.admin : a.admin;
        const refused = await owner.get(`/v1.0/scim-requests?cursor=${encodeURIComponent(bad)}`);
        expect(refused.status).toBe(400);
        expect(refused.body.details).toEqual([{ field: 'cursor', message: expect.any(String) }]);
      }
    });

    it('should filter by outcome, method, resource type, key, target, request id and time', async () => {
      const ids = (requests: Listed[]) => requests.map((r) => r.requestId);
      const idOf = (i: number) => sent[i].headers.get('x-request-id');
      const failures = await list('&outcome=failure', a.admin);
      expect(ids(failures)).toEqual([idOf(2)]);
      expect((await list('&outcome=success', a.admin)).every((r) => r.outcome === 'success')).toBe(true);
      expect(ids(await list('&method=patch', a.admin))).toEqual([idOf(2), idOf(1)]);
      expect((await list('&resourceType=groups', a.admin)).map((r) => r.resourceType)).toEqual(['Groups']);
      expect(await list('&resourceType=Users', a.admin)).toHaveLength(5);
      expect(await list(`&keyId=${a.scimKeyId}`, a.admin)).toHaveLength(7);
      expect(await list(`&keyId=${b.scimKeyId}`, a.admin)).toHaveLength(0);
      const user = (await list('&method=POST&resourceType=Users', a.admin))[0];
      expect(ids(await list(`&targetId=${user.targetId}`, a.admin))).toEqual([idOf(2), idOf(1), idOf(0), user.requestId]);
      const newest = new Date(new Date((await list('', a.admin))[0].at).getTime() + 1).toISOString();
      expect(await list(`&until=${newest}`, a.admin)).toHaveLength(7);
      expect(await list(`&since=${newest}`, a.admin)).toHaveLength(0);
      expect(ids(await list('&method=GET&outcome=success&resourceType=Users', a.admin))).toEqual([idOf(3), idOf(0)]);
    });

    it('should refuse bad filter values with 400 and a sentence naming the field', async () => {
      const cases: Array<[string, string, RegExp]> = [
        ['outcome=failed', 'outcome', /outcome must be "success" or "failure"/],
        ['method=FETCH', 'method', /method must be one of GET, POST, PUT, PATCH, DELETE/],
        ['resourceType=Schemas', 'resourceType', /resourceType must be "Users" or "Groups"/],
        ['keyId=05', 'keyId', /keyId must be a key id/],
        ['since=yesterday', 'since', /since must be an ISO-8601/],
        ['until=2026-13-01', 'until', /until must be an ISO-8601/],
        ['size=0', 'size', /size must be at least 1/],
        ['size=201', 'size', /size must be at most 200/],
        [`targetId=${'9'.repeat(65)}`, 'targetId', /targetId must be at most 64/],
        ['password=x', 'password', /password is not a field/],
      ];
      for (const [query, field, message] of cases) {
        const response = await a.admin.get(`/v1.0/scim-requests?${query}`);
        expect([query, response.status]).toEqual([query, 400]);
        expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.stringMatching(message) });
        expect(response.body.details).toEqual([{ field, message: expect.stringMatching(message) }]);
      }
    });

    it("should keep organizations apart: another's requests are never listed, and their ids are 404", async () => {
      const mine = await list('', a.admin);
      const theirs = await list('', b.admin);
      expect(theirs).toHaveLength(1);
      expect(theirs[0].requestId).toBe(sent[6].headers.get('x-request-id'));
      expect(mine.map((r) => r.id)).not.toContain(theirs[0].id);
      for (const id of [mine[0].id, '0', '01', ` ${mine[0].id}`, 'abc', '9'.repeat(30)]) {
        const response = await b.admin.get(`/v1.0/scim-requests/${encodeURIComponent(id)}`);
        expect([id, response.status]).toEqual([id, 404]);
      }
      expect((await a.admin.get(`/v1.0/scim-requests/${mine[0].id}`)).status).toBe(200);
      expect(await list(`&targetId=${mine[0].targetId ?? ''}`, b.admin)).toHaveLength(0);
    });

    it('should be in the OpenAPI document', async () => {
      const document = (await (await fetch(`${t.url}/docs/openapi.json`)).json()) as {
        paths: Record<string, Record<string, unknown>>;
      };
      expect(Object.keys(document.paths['/v1.0/scim-requests'])).toEqual(['get']);
      expect(Object.keys(document.paths['/v1.0/scim-requests/{id}'])).toEqual(['get']);
    });

    it('should take only Torii API keys: a SCIM key is 403, no key 401', async () => {
      const withScimKey = await client(t.url, a.scimKey).get('/v1.0/scim-requests');
      expect(withScimKey.status).toBe(403);
      expect(withScimKey.body.message).toMatch(/Torii API key/);
      const [first] = await list('', a.admin);
      expect((await client(t.url, a.scimKey).get(`/v1.0/scim-requests/${first.id}`)).status).toBe(403);
      expect((await client(t.url).get('/v1.0/scim-requests')).status).toBe(401);
    });
  });

  describe('robustness', () => {
    it('should drop requests, not hold them, once 20,000 wait to be written', async () => {
      await settle(t);
      const recorder = t.app.get(ScimRequestRecorder);
      // Requests of organizations no test uses, answered faster than anything is written (one turn of the event loop).
      const request = (i: number) =>
        ({
          url: `${SCIM}/Users/${i}`,
          method: 'GET',
          id: `flood-${i}`,
          headers: { 'user-agent': OKTA_AGENT },
          auth: { keyId: 1, organizationId: 900_000 + (i % 4), type: 'scim', maskedKey: 'torii_scim_…flood', description: null },
          inspectedBody: null,
          inspectedResponse: '{"id":"1"}',
        }) as never;
      const reply = { statusCode: 200, elapsedTime: 0.1, getHeader: () => undefined } as never;
      for (let i = 0; i < 20_005; i++) recorder.onResponse(request(i), reply);
      await settle(t);
      const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM scim_requests WHERE organization_id >= 900000');
      expect(Number(n)).toBe(20_000);
      await t.dataSource.query('DELETE FROM scim_requests WHERE organization_id >= 900000');
    });

    it('should answer SCIM requests while the table cannot be written, and record again once it can', async () => {
      await settle(t);
      await t.dataSource.query('ALTER TABLE scim_requests RENAME TO scim_requests_gone');
      let during: HttpResponse;
      try {
        during = await send(t, o.scimKey, 'POST', '/Users', { body: userBody('during@inspected.test') });
        expect(during.status).toBe(201);
        // The write fails, out of the request's way; flush never throws.
        await expect(settle(t)).resolves.toBeUndefined();
        expect((await send(t, o.scimKey, 'GET', `/Users/${during.body.id}`)).status).toBe(200);
        // The admin API says what it can: a 500 without a stack (as for any failed query).
        expect((await o.admin.get('/v1.0/scim-requests')).status).toBe(500);
      } finally {
        await settle(t);
        await t.dataSource.query('ALTER TABLE scim_requests_gone RENAME TO scim_requests');
      }
      const after = await send(t, o.scimKey, 'GET', `/Users/${during.body.id}`);
      await settle(t);
      expect(await recorded(after)).toMatchObject({ status: 200 });
    });
  });
});

describe('provisioning inspector: SCIM_REDACT_ATTRIBUTES, bounds and instances', () => {
  let db: TestDatabase;
  let first: TestApp;
  let second: TestApp;
  const MAX = 20;
  const KEEP = 18;

  const settings = (overrides: Partial<AppConfig['scimRequestLog']> = {}): Partial<AppConfig> => {
    const base = loadConfig({});
    return {
      scimRequestLog: {
        ...base.scimRequestLog,
        maxPerOrganization: MAX,
        redactAttributes: ['employeeNumber', 'name.familyName', 'emails.value', 'phoneNumbers'],
        ...overrides,
      },
      scim: { ...base.scim, rateLimitPerMinute: 60, rateLimitBurst: 0 },
    };
  };
  const recordedIds = async (t: TestApp, organizationId: string): Promise<string[]> => {
    const rows: Array<{ request_id: string }> = await t.dataSource.query(
      'SELECT request_id FROM scim_requests WHERE organization_id = ? ORDER BY id DESC',
      [Number(organizationId)],
    );
    return rows.map((r) => r.request_id);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    first = await startTestApp(settings(), db);
    second = await startTestApp(settings(), db);
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
    await db?.drop();
  });

  it('should redact every listed attribute in bodies, paths, filters and responses', async () => {
    const r = await scimOrganization(first, 'Listed attributes');
    const created = await send(first, r.scimKey, 'POST', '/Users', {
      body: {
        schemas: [CORE_USER, ENTERPRISE_USER],
        userName: 'listed@attrs.test',
        name: { givenName: 'Kept', familyName: 'Hidden-family' },
        emails: [{ value: 'hidden-mail@attrs.test', type: 'work', primary: true }],
        phoneNumbers: [{ value: '+1 555 0100-hidden', type: 'work' }],
        [ENTERPRISE_USER]: { employeeNumber: 'hidden-701984', department: 'Kept department' },
      },
      agent: ENTRA_AGENT,
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const patched = await send(first, r.scimKey, 'PATCH', `/Users/${id}`, {
      body: patchOf(
        { op: 'Replace', path: `${ENTERPRISE_USER}:employeeNumber`, value: 'hidden-1815' },
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'hidden-new@attrs.test' },
        { op: 'Replace', value: { 'name.familyName': 'Hidden-other', title: 'Kept title' } },
      ),
      agent: ENTRA_AGENT,
    });
    expect(patched.status).toBe(200);
    const read = await send(
      first,
      r.scimKey,
      'GET',
      `/Users?filter=${encodeURIComponent('emails[value eq "hidden-new@attrs.test"]')}`,
    );
    expect(read.status).toBe(200);
    expect(read.body.totalResults).toBe(1);
    await settle(first);
    const rows = await storedRows(first);
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows) expect(row).not.toMatch(/hidden/i);
    const all = rows.join('\n');
    expect(all).toContain('Kept department');
    expect(all).toContain('Kept title');
    expect(all).toContain('[redacted]');
  });

  it('should record 429s, the rate limit refusing a key past its requests', async () => {
    const r = await scimOrganization(first, 'Rate limited');
    let limited: HttpResponse | undefined;
    for (let i = 0; i < 70 && !limited; i++) {
      const response = await send(first, r.scimKey, 'GET', '/ServiceProviderConfig');
      if (response.status === 429) limited = response;
    }
    expect(limited).toBeDefined();
    await settle(first);
    const [latest] = (await r.admin.get('/v1.0/scim-requests?size=1')).body.requests as Listed[];
    expect(latest).toMatchObject({ status: 429, outcome: 'failure', requestId: limited!.headers.get('x-request-id') });
  });

  it('should keep at most SCIM_REQUEST_LOG_MAX per organization, the newest, dropping the oldest first', async () => {
    const r = await scimOrganization(first, 'Capped');
    const other = await scimOrganization(first, 'Not capped');
    const requestIds: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 9; i++) requestIds.push((await send(first, r.scimKey, 'GET', '/Schemas')).headers.get('x-request-id')!);
      await send(first, other.scimKey, 'GET', '/Schemas');
      await settle(first);
    }
    const kept = await recordedIds(first, r.org.organizationId);
    expect(kept.length).toBeGreaterThanOrEqual(KEEP);
    expect(kept.length).toBeLessThanOrEqual(MAX);
    // The newest, none missing among them.
    expect(kept).toEqual(requestIds.slice(-kept.length).reverse());
    expect(await recordedIds(first, other.org.organizationId)).toHaveLength(3);
  });

  it('should prune safely with two instances recording and pruning one organization at once', async () => {
    const r = await scimOrganization(first, 'Two instances');
    const requestIds: string[] = [];
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 5; i++) {
        requestIds.push((await send(first, r.scimKey, 'GET', '/Schemas')).headers.get('x-request-id')!);
        requestIds.push((await send(second, r.scimKey, 'GET', '/Schemas')).headers.get('x-request-id')!);
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
      await Promise.all([first.app.get(ScimRequestRecorder).flush(), second.app.get(ScimRequestRecorder).flush()]);
    }
    // Each instance counts its own writes between reads of the count: once both read it again, the excess goes.
    for (const t of [first, second]) t.clock.advance(11 * 60_000);
    for (const t of [first, second]) requestIds.push((await send(t, r.scimKey, 'GET', '/Schemas')).headers.get('x-request-id')!);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await Promise.all([first.app.get(ScimRequestRecorder).flush(), second.app.get(ScimRequestRecorder).flush()]);
    for (const t of [first, second]) t.clock.reset();
    const kept = await recordedIds(first, r.org.organizationId);
    expect(kept.length).toBeGreaterThanOrEqual(KEEP - 2);
    expect(kept.length).toBeLessThanOrEqual(MAX);
    // Whatever was deleted was older than whatever was kept (the two instances' batches interleave by a flush at most).
    const positions = kept.map((id) => requestIds.indexOf(id));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(Math.min(...positions)).toBeGreaterThanOrEqual(requestIds.length - MAX - 10);
  });

  it('should drop requests older than SCIM_REQUEST_LOG_HOURS, by age, on any instance', async () => {
    const r = await scimOrganization(first, 'Aged');
    const old = await send(first, r.scimKey, 'GET', '/Schemas');
    await settle(first);
    expect(await recordedIds(first, r.org.organizationId)).toEqual([old.headers.get('x-request-id')]);
    for (const t of [first, second]) t.clock.advance(73 * 3_600_000);
    try {
      const fresh = await send(second, r.scimKey, 'GET', '/Schemas');
      await settle(second);
      expect(await recordedIds(first, r.org.organizationId)).toEqual([fresh.headers.get('x-request-id')]);
      // Every organization's: the other tests' requests are that old too.
      const [{ n }] = await first.dataSource.query('SELECT COUNT(*) AS n FROM scim_requests');
      expect(Number(n)).toBe(1);
    } finally {
      for (const t of [first, second]) t.clock.reset();
    }
  });

  it('should write what it holds when the server stops', async () => {
    const r = await scimOrganization(first, 'Stopping');
    const third = await startTestApp(settings(), db);
    const last = await send(third, r.scimKey, 'GET', '/Schemas');
    expect(last.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await third.close();
    expect(await recordedIds(first, r.org.organizationId)).toEqual([last.headers.get('x-request-id')]);
  });
});
