import fc from 'fast-check';
import { scimOrganization, ScimOrganization } from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

/*
 * Any body, any field null, any nesting: the admin API answers 2xx or a 4xx with its error body
 * ({ statusCode, error, message }), never a 500. (SCIM bodies, filters and PATCHes have the same
 * property in test/scim-properties.e2e-spec.ts.) Runs are seeded, so a failure replays.
 */
const RUNS = 150;

/** Values a client might send for a field: the right type, the wrong type, null, deep, odd text. */
const fieldValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.string({ maxLength: 80 }),
    fc.constantFrom(
      'api',
      'scim',
      'Admin',
      'Employee',
      '2031-01-01',
      '2020-01-01',
      '',
      ' ',
      'a\u0000b',
      'é\u0301',
      '\uffff',
      'it@fuzz.test',
      'fuzz@fuzz.test',
      'Ada Lovelace',
    ),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** A body: usually an object of the endpoint's fields (and others), sometimes anything at all. */
const body = (fields: string[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...fields, 'extra', '__proto__', 'constructor'), fieldValue) },
    // Each field null, alone or next to valid-looking others.
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...fields), fc.dictionary(fc.constantFrom(...fields), fieldValue))
        .map(([field, rest]) => ({ ...rest, [field]: null })),
    },
    { weight: 1, arbitrary: fieldValue },
    { weight: 1, arbitrary: fc.nat({ max: 200 }).map((depth) => JSON.parse('['.repeat(depth) + ']'.repeat(depth))) },
  );

describe('admin API under arbitrary bodies: never a 500', () => {
  let t: TestApp;
  let o: ScimOrganization;
  let userId: string;
  let roleId: string;
  let keyId: string;

  beforeAll(async () => {
    t = await startTestApp();
    o = await scimOrganization(t);
    userId = (await o.scim.post('/Users', { body: { userName: 'fuzz@fuzz.test' } })).body.id;
    roleId = (await o.admin.post('/v1.0/settings/roles', { body: { name: 'Fuzzed' } })).body.id;
    keyId = (await o.admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: 'fuzzed' } })).body.id;
  });

  afterAll(async () => {
    await t.close();
  });

  const endpoints: Array<[string, string, () => string, string[]]> = [
    ['POST', '/v1.0/settings/api-keys', () => '/v1.0/settings/api-keys', ['type', 'description', 'expiresAt']],
    ['PATCH', '/v1.0/settings/api-keys/{id}', () => `/v1.0/settings/api-keys/${keyId}`, ['description', 'expiresAt']],
    ['PATCH', '/v1.0/settings/security', () => '/v1.0/settings/security', ['scimEnabled']],
    ['POST', '/v1.0/settings/roles', () => '/v1.0/settings/roles', ['name', 'description']],
    ['PATCH', '/v1.0/settings/roles/{id}', () => `/v1.0/settings/roles/${roleId}`, ['name', 'description']],
    ['PATCH', '/v1.0/users/{id}', () => `/v1.0/users/${userId}`, ['role', 'active', 'email', 'name']],
    // The first Admin: no identity provider manages it, so its email and name may change.
    ['PATCH', '/v1.0/users/{id} (unmanaged)', () => `/v1.0/users/${o.org.adminUserId}`, ['role', 'active', 'email', 'name']],
    ['PATCH', '/v1.0/organization', () => '/v1.0/organization', ['name']],
    ['PUT', '/v1.0/settings/notification-recipients', () => '/v1.0/settings/notification-recipients', ['emails']],
  ];

  it.each(endpoints)('%s %s: 2xx or a 4xx with a sentence', async (method, _label, path, fields) => {
    await fc.assert(
      fc.asyncProperty(body(fields), async (value) => {
        const send = method === 'POST' ? o.admin.post : method === 'PUT' ? o.admin.put : o.admin.patch;
        const response = await send(path(), { rawBody: JSON.stringify(value) });
        if (response.status >= 500) throw new Error(`${response.status} for ${JSON.stringify(value)}: ${response.text}`);
        if (response.status >= 400) {
          expect(response.body).toMatchObject({ statusCode: response.status, error: expect.any(String) });
          expect(response.body.message).toMatch(/\w/);
        }
      }),
      { numRuns: RUNS, seed: 20261129 },
    );
    // Whatever was sent, the organization still has an active Admin and the key still works.
    const admins = await o.admin.get('/v1.0/users?role=Admin&status=active');
    expect(admins.status).toBe(200);
    expect(admins.body.total).toBeGreaterThan(0);
  });
});
