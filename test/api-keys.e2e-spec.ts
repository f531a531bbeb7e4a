import { createHash } from 'node:crypto';
import { OnboardedOrganization } from '../apps/server/src/onboarding/onboarding.service';
import { countQueries } from './support/fixtures';
import { client } from './support/http';
import { startTestApp, TestApp } from './support/test-app';

describe('API keys (Settings > API Access)', () => {
  let t: TestApp;
  let org: OnboardedOrganization;
  let admin: ReturnType<typeof client>;

  beforeAll(async () => {
    t = await startTestApp({ apiKeys: { cacheTtlMs: 1000, maxLifetimeDays: 3653, defaultLifetimeDays: 90 } });
  });

  beforeEach(async () => {
    t.clock.reset();
    org = await t.createOrganization();
    admin = client(t.url, org.apiKey.key);
  });

  afterAll(async () => {
    await t.close();
  });

  const enableScim = () => admin.patch('/v1.0/settings/security', { body: { scimEnabled: true } });

  it('should show the full key once, in the create response, and never again', async () => {
    const created = await admin.post('/v1.0/settings/api-keys', {
      body: { type: 'api', description: 'CI', expiresAt: '2031-12-31' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^\d+$/),
      type: 'api',
      description: 'CI',
      createdAt: expect.any(String),
      expiresAt: '2031-12-31T00:00:00.000Z',
      lastUsedAt: null,
      firstUsedAt: null,
      replacesKeyId: null,
      status: 'active',
      maskedKey: `torii_api_…${created.body.key.slice(-4)}`,
      key: expect.stringMatching(/^torii_api_[0-9A-Za-z]{49}$/),
    });
    const secret: string = created.body.key;
    const list = await admin.get('/v1.0/settings/api-keys');
    const one = await admin.get(`/v1.0/settings/api-keys/${created.body.id}`);
    for (const response of [list, one]) {
      expect(response.status).toBe(200);
      expect(response.text).not.toContain(secret);
      expect(response.text).not.toContain(secret.slice(10, -4));
    }
    expect(list.body.apiKeys.find((k: { id: string }) => k.id === created.body.id)).not.toHaveProperty('key');
  });

  it('should store only a hash and a display hint, never the plaintext', async () => {
    const created = await admin.post('/v1.0/settings/api-keys', { body: { type: 'api' } });
    const secret: string = created.body.key;
    const [row] = await t.dataSource.query('SELECT * FROM api_keys WHERE id = ?', [Number(created.body.id)]);
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(secret.slice(10, 30));
    // SHA-256 of the whole key, in hex (docs/decisions.md): an operator can find a leaked key's row by it.
    expect(row.key_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(row.key_last4).toBe(secret.slice(-4));
  });

  it('should accept a date as 00:00 UTC and a timestamp as is, and refuse past or malformed expirations naming the field', async () => {
    t.clock.set('2026-06-01T12:00:00Z');
    const date = await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', expiresAt: '2026-07-01' } });
    expect(date.body.expiresAt).toBe('2026-07-01T00:00:00.000Z');
    const stamp = await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', expiresAt: '2026-06-01T14:30:00+02:00' } });
    expect(stamp.body.expiresAt).toBe('2026-06-01T12:30:00.000Z');

    for (const expiresAt of [
      '2026-06-01',
      '2026-05-31T23:59:59Z',
      '2026-02-30',
      'next tuesday',
      '2026-13-01',
      '2026-06-01T12:00:00',
    ]) {
      const refused = await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', expiresAt } });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ statusCode: 400, error: 'Bad Request', details: [{ field: 'expiresAt' }] });
      expect(refused.body.message).toMatch(/expiresAt must/);
    }
  });

  it.each([
    [{}, 'type'],
    [{ type: 'admin' }, 'type'],
    [{ type: 'api', description: 'x'.repeat(256) }, 'description'],
    [{ type: 'api', description: 42 }, 'description'],
    [{ type: 'api', owner: 'me' }, 'owner'],
  ])('should refuse the body %j naming %s, creating nothing', async (body, field) => {
    const before = (await admin.get('/v1.0/settings/api-keys')).body.apiKeys.length;
    const response = await admin.post('/v1.0/settings/api-keys', { body });
    expect(response.status).toBe(400);
    expect(response.body.details.map((d: { field: string }) => d.field)).toContain(field);
    expect((await admin.get('/v1.0/settings/api-keys')).body.apiKeys.length).toBe(before);
  });

  it("should bound an expiration by the server's maximum lifetime, list it as policy, and list keys newest first", async () => {
    const far = await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', expiresAt: '2999-01-01' } });
    expect(far.status).toBe(400);
    expect(far.body.message).toMatch(
      /^expiresAt must be at most 3653 days away \(this server's limit\); the latest possible is \d{4}-\d{2}-\d{2}\./,
    );
    expect(far.body.details).toEqual([{ field: 'expiresAt', message: expect.stringContaining('at most 3653 days') }]);
    // Keys without an expiration stay possible (the contract's optional expiresAt).
    const older = await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: 'older' } });
    const newer = await admin.post('/v1.0/settings/api-keys', {
      body: { type: 'api', description: 'newer', expiresAt: '2031-01-01' },
    });
    expect([older.status, newer.status]).toEqual([201, 201]);
    const list = (await admin.get('/v1.0/settings/api-keys')).body;
    expect(list.policy).toEqual({ maxLifetimeDays: 3653, defaultLifetimeDays: 90 });
    const ids = list.apiKeys.map((k: { id: string }) => Number(k.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(list.apiKeys[0].description).toBe('newer');
  });

  it('should refuse a SCIM key while SCIM is off, saying to enable it first', async () => {
    const refused = await admin.post('/v1.0/settings/api-keys', { body: { type: 'scim' } });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/enable it in Settings > Security first/);
    await enableScim();
    expect((await admin.post('/v1.0/settings/api-keys', { body: { type: 'scim' } })).status).toBe(201);
  });

  it('should let only the description change; the expiration points to rotation', async () => {
    const created = await admin.post('/v1.0/settings/api-keys', {
      body: { type: 'api', description: 'old', expiresAt: '2031-01-01' },
    });
    const edited = await admin.patch(`/v1.0/settings/api-keys/${created.body.id}`, { body: { description: 'new' } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ description: 'new', expiresAt: '2031-01-01T00:00:00.000Z' });

    const refused = await admin.patch(`/v1.0/settings/api-keys/${created.body.id}`, { body: { expiresAt: '2031-06-01' } });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/cannot be changed after creation.*generate a new key, replace it.*delete this one/);
    expect((await admin.get(`/v1.0/settings/api-keys/${created.body.id}`)).body.expiresAt).toBe('2031-01-01T00:00:00.000Z');
  });

  it('should refuse a key from the instant it expires, saying when', async () => {
    t.clock.set('2030-01-01T00:00:00Z');
    const created = await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', expiresAt: '2030-01-02' } });
    const key = client(t.url, created.body.key);
    t.clock.set('2030-01-01T23:59:59.999Z');
    const before = await key.get('/v1.0/organization');
    expect(before.status).toBe(200);
    expect(before.headers.get('torii-key-expires-at')).toBe('2030-01-02T00:00:00.000Z');
    t.clock.set('2030-01-02T00:00:00.000Z');
    const after = await key.get('/v1.0/organization');
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(after.body.message).toContain('expired at 2030-01-02T00:00:00.000Z');
    expect((await admin.get(`/v1.0/settings/api-keys/${created.body.id}`)).body.status).toBe('expired');
  });

  it('should refuse a deleted key on the very next request', async () => {
    const created = await admin.post('/v1.0/settings/api-keys', { body: { type: 'api' } });
    const key = client(t.url, created.body.key);
    expect((await key.get('/v1.0/organization')).status).toBe(200); // now cached
    expect((await admin.delete(`/v1.0/settings/api-keys/${created.body.id}`)).status).toBe(204);
    const refused = await key.get('/v1.0/organization');
    expect(refused.status).toBe(401);
    expect(refused.body.message).toMatch(/deleted or never existed/);
    expect((await admin.get(`/v1.0/settings/api-keys/${created.body.id}`)).status).toBe(404);
    expect((await admin.delete(`/v1.0/settings/api-keys/${created.body.id}`)).status).toBe(404);
  });

  it('should rotate: generate a new key, both work, delete the old one, the new one still works', async () => {
    const oldKey = await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: 'v1' } });
    const newKey = await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: 'v2' } });
    expect((await client(t.url, oldKey.body.key).get('/v1.0/organization')).status).toBe(200);
    expect((await client(t.url, newKey.body.key).get('/v1.0/organization')).status).toBe(200);
    await admin.delete(`/v1.0/settings/api-keys/${oldKey.body.id}`);
    expect((await client(t.url, oldKey.body.key).get('/v1.0/organization')).status).toBe(401);
    expect((await client(t.url, newKey.body.key).get('/v1.0/organization')).status).toBe(200);
  });

  it('should rotate with one call: a successor of the same type and description, and show the switch', async () => {
    await enableScim();
    const old = (
      await admin.post('/v1.0/settings/api-keys', { body: { type: 'scim', description: 'Okta', expiresAt: isoDayIn(90) } })
    ).body;
    await client(`${t.url}/v1.0/scim/v2`, old.key).get('/Users');
    const rotated = await admin.post(`/v1.0/settings/api-keys/${old.id}/rotate`, { body: {} });
    expect(rotated.status).toBe(201);
    expect(rotated.body).toMatchObject({ type: 'scim', description: 'Okta', replacesKeyId: old.id, firstUsedAt: null });
    expect(rotated.body.key).toMatch(/^torii_scim_/);
    // The same lifetime from now: 90 days (to the day).
    expect(rotated.body.expiresAt.slice(0, 10)).toBe(isoDayIn(90));
    // Both work in between; the new key's first use is the switch.
    expect((await client(`${t.url}/v1.0/scim/v2`, old.key).get('/Users')).status).toBe(200);
    expect((await client(`${t.url}/v1.0/scim/v2`, rotated.body.key).get('/Users')).status).toBe(200);
    const listed = (await admin.get('/v1.0/settings/api-keys')).body.apiKeys;
    const successor = listed.find((k: { id: string }) => k.id === rotated.body.id);
    expect(successor.firstUsedAt).toEqual(expect.any(String));
    expect(listed.find((k: { id: string }) => k.id === old.id).lastUsedAt).toEqual(expect.any(String));
    const event = (await admin.get('/v1.0/audit-log?action=api-key.created&size=1')).body.events[0];
    expect(event).toMatchObject({ target: { id: rotated.body.id }, detail: `Generated to replace key ${old.id} (rotation).` });
    // Once that successor is deleted, the key may be rotated again: with an explicit expiration, or none.
    expect((await admin.delete(`/v1.0/settings/api-keys/${rotated.body.id}`)).status).toBe(204);
    const none = await admin.post(`/v1.0/settings/api-keys/${old.id}/rotate`, { body: { expiresAt: null } });
    expect(none.status).toBe(201);
    expect(none.body.expiresAt).toBeNull();
    // A key of another organization is not found.
    expect((await admin.post('/v1.0/settings/api-keys/999999/rotate', { body: {} })).status).toBe(404);
  });

  /** The live (not deleted) keys generated to replace this one. */
  const liveSuccessors = async (id: string): Promise<number> => {
    const [row] = await t.dataSource.query(
      'SELECT COUNT(*) AS n FROM api_keys WHERE replaces_key_id = ? AND deleted_at IS NULL',
      [Number(id)],
    );
    return Number(row.n);
  };

  it('should give a key at most one live successor: 8 rotations at once are one 201 and seven 409 naming it', async () => {
    for (let round = 0; round < 3; round++) {
      const old = (await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: `CI ${round}` } })).body;
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => admin.post(`/v1.0/settings/api-keys/${old.id}/rotate`, { body: {} })),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
      const successor = answers.find((a) => a.status === 201)!.body;
      for (const refused of answers.filter((a) => a.status === 409)) {
        expect(refused.body).toMatchObject({ statusCode: 409, error: 'Conflict' });
        expect(refused.body.message).toContain(`already has a successor, ${successor.maskedKey} (id ${successor.id})`);
        expect(refused.body.message).toMatch(/use it, or delete it first/);
      }
      expect(await liveSuccessors(old.id)).toBe(1);
    }
  });

  it('should let a key be rotated again once its successor is deleted or has expired, and not before', async () => {
    t.clock.set('2031-03-01T12:00:00Z');
    const old = (await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: 'chain' } })).body;
    const first = await admin.post(`/v1.0/settings/api-keys/${old.id}/rotate`, { body: { expiresAt: '2031-03-10' } });
    expect(first.status).toBe(201);
    expect((await admin.post(`/v1.0/settings/api-keys/${old.id}/rotate`, { body: {} })).status).toBe(409);
    // The successor's own rotation is a rotation of another key.
    expect((await admin.post(`/v1.0/settings/api-keys/${first.body.id}/rotate`, { body: {} })).status).toBe(201);
    // An expired successor no longer counts.
    t.clock.set('2031-03-09T23:59:59.999Z');
    expect((await admin.post(`/v1.0/settings/api-keys/${old.id}/rotate`, { body: {} })).status).toBe(409);
    t.clock.set('2031-03-10T00:00:00Z');
    const second = await admin.post(`/v1.0/settings/api-keys/${old.id}/rotate`, { body: {} });
    expect(second.status).toBe(201);
    expect((await admin.post(`/v1.0/settings/api-keys/${old.id}/rotate`, { body: {} })).status).toBe(409);
    // A deleted successor no longer counts either.
    expect((await admin.delete(`/v1.0/settings/api-keys/${second.body.id}`)).status).toBe(204);
    expect((await admin.post(`/v1.0/settings/api-keys/${old.id}/rotate`, { body: {} })).status).toBe(201);
    expect(await liveSuccessors(old.id)).toBe(2); // the expired one, and the one just made
  });

  it('should not rotate a deleted key (404 like any unknown key), even when the rotation races the delete', async () => {
    const gone = (await admin.post('/v1.0/settings/api-keys', { body: { type: 'api' } })).body;
    expect((await admin.delete(`/v1.0/settings/api-keys/${gone.id}`)).status).toBe(204);
    const refused = await admin.post(`/v1.0/settings/api-keys/${gone.id}/rotate`, { body: {} });
    expect(refused.status).toBe(404);
    expect(refused.body.message).toMatch(/No API key with id/);

    // A rotation that wins the race happened before the delete (rotate, then delete the old key: legal);
    // one that loses is a 404. No successor is ever generated for a key already deleted.
    for (let round = 0; round < 10; round++) {
      const old = (await admin.post('/v1.0/settings/api-keys', { body: { type: 'api' } })).body;
      const remove = () => admin.delete(`/v1.0/settings/api-keys/${old.id}`);
      const rotate = () => admin.post(`/v1.0/settings/api-keys/${old.id}/rotate`, { body: {} });
      const [a, b] = await Promise.all(round % 2 ? [rotate(), remove()] : [remove(), rotate()]);
      const [deleted, rotated] = round % 2 ? [b, a] : [a, b];
      expect(deleted.status).toBe(204);
      expect([201, 404]).toContain(rotated.status);
      const events: Array<{ id: number; action: string; target_id: string }> = await t.dataSource.query(
        "SELECT id, action, target_id FROM audit_events WHERE organization_id = ? AND action IN ('api-key.created', 'api-key.deleted') AND target_id IN (?, ?) ORDER BY id",
        [org.organizationId, old.id, rotated.body?.id ?? '0'],
      );
      const order = events.map((e) => (e.target_id === old.id ? e.action : 'successor'));
      expect(order).toEqual(
        rotated.status === 201 ? ['api-key.created', 'successor', 'api-key.deleted'] : ['api-key.created', 'api-key.deleted'],
      );
    }
  });

  it('should refuse a key with one character changed without querying the database', async () => {
    const secret = org.apiKey.key;
    const i = secret.length - 10;
    const typo = secret.slice(0, i) + (secret[i] === 'a' ? 'b' : 'a') + secret.slice(i + 1);
    const { result, queries } = await countQueries(t.dataSource, () => client(t.url, typo).get('/v1.0/organization'));
    expect(result.status).toBe(401);
    expect(result.body.message).toMatch(/not a valid Torii key/);
    expect(queries).toEqual([]);
  });

  it.each([
    [undefined, /Send the Torii API key as "Authorization: Bearer <key>"/],
    ['Basic dXNlcjpwYXNz', /Send the Torii API key/],
    ['Bearer', /Send the Torii API key/],
    ['Bearer torii_api_short', /not a valid Torii key/],
  ])('should answer Authorization %j with 401 and a sentence', async (authorization, message) => {
    const response = await client(t.url).get('/v1.0/organization', { headers: authorization ? { authorization } : {} });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="Torii API"');
    expect(response.body.message).toMatch(message);
  });

  it('should refuse a SCIM key on the admin API with 403 naming the key type needed', async () => {
    await enableScim();
    const scim = await admin.post('/v1.0/settings/api-keys', { body: { type: 'scim' } });
    const response = await client(t.url, scim.body.key).get('/v1.0/settings/api-keys');
    expect(response.status).toBe(403);
    expect(response.body.message).toMatch(/This is a Torii SCIM key; this API needs a Torii API key/);
  });

  it('should verify a key with one indexed read and no write per request (lastUsedAt at most once a minute)', async () => {
    const uncached = await startTestApp({ apiKeys: { cacheTtlMs: 0, maxLifetimeDays: 3653, defaultLifetimeDays: 90 } }, t.db);
    try {
      const key = client(uncached.url, org.apiKey.key);
      const first = await countQueries(uncached.dataSource, () => key.get('/v1.0/settings/security'));
      expect(first.queries.filter((q) => /api_keys/.test(q) && /^SELECT/i.test(q))).toHaveLength(1);
      expect(first.queries.filter((q) => /^UPDATE\b.*api_keys/i.test(q))).toHaveLength(1); // first use recorded
      const second = await countQueries(uncached.dataSource, () => key.get('/v1.0/settings/security'));
      const keyQueries = second.queries.filter((q) => /api_keys/.test(q));
      expect(keyQueries).toHaveLength(1);
      expect(keyQueries[0]).toMatch(/^SELECT .* WHERE .*key_hash/is);
      const listed = (await key.get('/v1.0/settings/api-keys')).body.apiKeys.find((k: { id: string }) => k.id === org.apiKey.id);
      expect(listed.lastUsedAt).not.toBeNull();
    } finally {
      await uncached.close();
    }
  });

  it('should answer 404 for ids that are not keys of this organization, however odd', async () => {
    for (const id of ['999999', 'abc', '010101001010101011001010101011', '-1', '1e3', '0']) {
      expect((await admin.get(`/v1.0/settings/api-keys/${id}`)).status).toBe(404);
      expect((await admin.patch(`/v1.0/settings/api-keys/${id}`, { body: { description: 'x' } })).status).toBe(404);
      expect((await admin.delete(`/v1.0/settings/api-keys/${id}`)).status).toBe(404);
    }
  });
});

/** `YYYY-MM-DD` of the UTC day `days` from now. */
function isoDayIn(days: number): string {
  return new Date(Date.now() + days * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
}
