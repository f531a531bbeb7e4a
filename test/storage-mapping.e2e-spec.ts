import { AttributeDefinition, ENTERPRISE_USER_ATTRIBUTES, ENTERPRISE_USER_SCHEMA } from '@app/scim-protocol';
import { ScimAttribute } from '../apps/server/src/common/scim-columns';
import { User } from '../apps/server/src/users/user.entity';
import type { ScimOrganization } from './support/scim';
import type { TestApp } from './support/test-app';

/*
 * Storing one more SCIM attribute takes, besides the schema entry that makes the protocol know it
 * (user.schema.ts), exactly one entry in the users module (a column marked with @ScimAttribute on
 * the User entity) and one migration. This file does precisely that for a made-up enterprise
 * attribute, in its own module registry (Jest loads modules per test file), before the app is
 * loaded, and then checks the attribute end to end over HTTP: create, read, filter, sort, PATCH,
 * PUT, length limit, and the stored column.
 */

const BADGE = `${ENTERPRISE_USER_SCHEMA}:badgeNumber`;

// The schema entry, as it would be written in libs/scim-protocol/src/user.schema.ts.
(ENTERPRISE_USER_ATTRIBUTES as AttributeDefinition[]).push({
  name: 'badgeNumber',
  type: 'string',
  multiValued: false,
  description: 'Number on the badge the user wears.',
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  maxLength: 1024,
});

// The one storage entry, as it would be written in apps/server/src/users/user.entity.ts:
// (case-insensitive, as the schema says, so it also gets its lower-cased twin, badge_number_lower)
//   @ScimAttribute(`${ENT}:badgeNumber`, { column: { type: 'varchar', length: 32, nullable: true }, caseInsensitive: true })
//   badgeNumber: string | null;
ScimAttribute(BADGE, { column: { type: 'varchar', length: 32, nullable: true }, caseInsensitive: true })(
  User.prototype,
  'badgeNumber',
);

// The migration, as it would be written for each dialect.
const MIGRATIONS = [
  'ALTER TABLE users ADD COLUMN badge_number varchar(32) NULL',
  'ALTER TABLE users ADD COLUMN badge_number_lower varchar(32) NULL',
];

describe('a SCIM attribute added by one storage entry and a migration', () => {
  let t: TestApp;
  let o: ScimOrganization;

  beforeAll(async () => {
    // Loaded only now, after the entry above, as the app would load an entity that has it.
    const { startTestApp } = await import('./support/test-app');
    const { scimOrganization } = await import('./support/scim');
    t = await startTestApp();
    for (const migration of MIGRATIONS) await t.dataSource.query(migration);
    o = await scimOrganization(t);
  });

  afterAll(async () => {
    await t?.close();
  });

  const create = async (userName: string, badge?: string) => {
    const body = { userName, ...(badge ? { [ENTERPRISE_USER_SCHEMA]: { badgeNumber: badge } } : {}) };
    const response = await o.scim.post('/Users', { body });
    expect(response.status).toBe(201);
    return response.body;
  };
  const userNames = async (query: string): Promise<string[]> => {
    const response = await o.scim.get(`/Users?${query}`);
    expect(response.status).toBe(200);
    return response.body.Resources.map((u: { userName: string }) => u.userName);
  };

  it('should store, return, filter and sort it like any other attribute', async () => {
    const ada = await create('ada@badge.test', 'B-0042');
    await create('bob@badge.test', 'B-0007');
    await create('cyd@badge.test');
    expect(ada[ENTERPRISE_USER_SCHEMA]).toEqual({ badgeNumber: 'B-0042' });
    expect(ada.schemas).toContain(ENTERPRISE_USER_SCHEMA);
    expect((await o.scim.get(`/Users/${ada.id}`)).body[ENTERPRISE_USER_SCHEMA]).toEqual({ badgeNumber: 'B-0042' });
    const [row] = await t.dataSource.query('SELECT badge_number FROM users WHERE id = ?', [Number(ada.id)]);
    expect(row.badge_number).toBe('B-0042');

    // caseExact false: compared case-insensitively, like the schema says.
    expect(await userNames(`filter=${encodeURIComponent(`${BADGE} eq "b-0042"`)}`)).toEqual(['ada@badge.test']);
    expect(await userNames(`filter=${encodeURIComponent(`badgeNumber sw "B-00"`)}`)).toEqual([
      'ada@badge.test',
      'bob@badge.test',
    ]);
    expect(await userNames(`filter=${encodeURIComponent(`not (${BADGE} pr)`)}`)).toEqual(['admin1@org1.test', 'cyd@badge.test']);
    expect(await userNames(`filter=${encodeURIComponent('userName ew "@badge.test"')}&sortBy=${BADGE}`)).toEqual([
      'bob@badge.test',
      'ada@badge.test',
      'cyd@badge.test',
    ]);
    expect(
      await userNames(`filter=${encodeURIComponent('userName ew "@badge.test"')}&sortBy=${BADGE}&sortOrder=descending`),
    ).toEqual(['cyd@badge.test', 'ada@badge.test', 'bob@badge.test']);
    const projected = await o.scim.get(`/Users/${ada.id}?attributes=${BADGE}`);
    expect(projected.body[ENTERPRISE_USER_SCHEMA]).toEqual({ badgeNumber: 'B-0042' });
  });

  it('should change it by PATCH, remove it by PUT, and refuse a value longer than its column', async () => {
    const user = await create('dan@badge.test', 'B-1');
    const patched = await o.scim.patch(`/Users/${user.id}`, {
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: BADGE, value: 'B-2' }],
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body[ENTERPRISE_USER_SCHEMA]).toEqual({ badgeNumber: 'B-2' });

    const replaced = await o.scim.put(`/Users/${user.id}`, { body: { userName: 'dan@badge.test' } });
    expect(replaced.status).toBe(200);
    expect(replaced.body[ENTERPRISE_USER_SCHEMA]).toBeUndefined();

    const tooLong = await o.scim.post('/Users', {
      body: { userName: 'eve@badge.test', [ENTERPRISE_USER_SCHEMA]: { badgeNumber: 'B'.repeat(33) } },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.scimType).toBe('invalidValue');
    expect(tooLong.body.detail).toContain(`${BADGE} must be at most 32 characters`);
  });
});
