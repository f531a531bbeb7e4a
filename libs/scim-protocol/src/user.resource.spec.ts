import fc from 'fast-check';
import { parseUserInput, buildUserResource, ScimUserInput } from './user.resource';
import { ScimError } from './scim-error';
import { ENTERPRISE_USER_SCHEMA as ENT, CORE_USER_SCHEMA as CORE } from './user.schema';

function error(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ScimError);
    return e as ScimError;
  }
  throw new Error('expected a ScimError');
}

describe('parseUserInput', () => {
  it('should read the body Okta sends to create a user', () => {
    const body = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: '1mz050nq',
      active: true,
    };
    expect(parseUserInput(body, 'create')).toEqual({
      userName: 'test.user@okta.local',
      externalId: '00ujl29u0le5T6Aj10h7',
      name: { familyName: 'User', givenName: 'Test' },
      displayName: 'Test User',
      locale: 'en-US',
      active: true,
      emails: [{ value: 'test.user@okta.local', type: 'work', primary: true }],
    });
  });

  it('should read the body Entra sends to create a user', () => {
    const body = {
      schemas: [CORE, ENT],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_ab6490ee@testuser.com',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
      [ENT]: { employeeNumber: '701984', department: 'Sales', manager: '2819c223-7f76-453a-919d-413861904646' },
      'urn:ietf:params:scim:schemas:extension:custom:2.0:User': { worksiteId: '180' },
    };
    expect(parseUserInput(body, 'create')).toEqual({
      userName: 'Test_User_ab6490ee@testuser.com',
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      active: true,
      emails: [{ value: 'Test_User_fd0ea19b@testuser.com', type: 'work', primary: true }],
      [ENT]: { employeeNumber: '701984', department: 'Sales', manager: { value: '2819c223-7f76-453a-919d-413861904646' } },
    });
  });

  it('should ignore read-only, unknown and foreign-schema attributes on a PUT', () => {
    const body = {
      id: '42',
      meta: { version: 'W/"3"' },
      groups: [{ value: 'g1' }],
      userName: 'u@x.com',
      favouriteColour: 'blue',
      'urn:example:custom:User:badge': 'x',
      schemas: [CORE],
    };
    expect(parseUserInput(body, 'replace')).toEqual({ userName: 'u@x.com' });
  });

  it('should match attribute names case-insensitively and answer in schema case', () => {
    const body = {
      USERNAME: 'u@x.com',
      Name: { GIVENNAME: 'A', familyname: 'B' },
      Emails: [{ Value: 'u@x.com', TYPE: 'work', Primary: 'True' }],
      'URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER': { Department: 'D' },
    };
    expect(parseUserInput(body, 'replace')).toEqual({
      userName: 'u@x.com',
      name: { familyName: 'B', givenName: 'A' },
      emails: [{ value: 'u@x.com', type: 'work', primary: true }],
      [ENT]: { department: 'D' },
    });
  });

  it('should accept enterprise attributes as top-level URN keys and manager in every shape', () => {
    expect(
      parseUserInput(
        { userName: 'u@x.com', [`${ENT}:department`]: 'D', [`${ENT}:manager`]: { value: 'm1', displayName: 'Boss' } },
        'replace',
      )[ENT],
    ).toEqual({ department: 'D', manager: { value: 'm1', displayName: 'Boss' } });
    expect(parseUserInput({ userName: 'u@x.com', [`${ENT}:manager`]: 'm2' }, 'replace')[ENT]).toEqual({
      manager: { value: 'm2' },
    });
    expect(parseUserInput({ userName: 'u@x.com', [`${ENT}:manager.value`]: 'm3' }, 'replace')[ENT]).toEqual({
      manager: { value: 'm3' },
    });
    expect(parseUserInput({ userName: 'u@x.com', [ENT]: { manager: '' } }, 'replace')[ENT]).toBeUndefined();
    expect(parseUserInput({ userName: 'u@x.com', [ENT]: { manager: { displayName: 'No id' } } }, 'replace')[ENT]).toBeUndefined();
  });

  it('should coerce string booleans and numbers sent for strings', () => {
    const user = parseUserInput(
      { userName: 'u@x.com', active: 'False', [ENT]: { employeeNumber: 1234 }, emails: [{ value: 'a@b.c', primary: 'true' }] },
      'replace',
    );
    expect(user.active).toBe(false);
    expect(user[ENT]?.employeeNumber).toBe('1234');
    expect(user.emails).toEqual([{ value: 'a@b.c', primary: true }]);
  });

  it('should treat null and "" as no value and drop elements without a value', () => {
    const user = parseUserInput(
      {
        userName: 'u@x.com',
        title: null,
        nickName: '',
        name: { givenName: '', familyName: null },
        emails: [{ type: 'work' }, { value: '', type: 'home' }, 'plain@x.com', null],
        addresses: [{ locality: 'Paris' }, {}],
      },
      'replace',
    );
    expect(user).toEqual({ userName: 'u@x.com', emails: [{ value: 'plain@x.com' }], addresses: [{ locality: 'Paris' }] });
  });

  it('should trim userName only', () => {
    const user = parseUserInput({ userName: '  u@x.com ', title: ' Boss ' }, 'replace');
    expect(user.userName).toBe('u@x.com');
    expect(user.title).toBe(' Boss ');
  });

  it('should default active to true on create only', () => {
    expect(parseUserInput({ userName: 'u@x.com' }, 'create').active).toBe(true);
    expect(parseUserInput({ userName: 'u@x.com' }, 'replace').active).toBeUndefined();
    expect(parseUserInput({ userName: 'u@x.com', active: false }, 'create').active).toBe(false);
  });

  it('should accept a body without schemas', () => {
    expect(parseUserInput({ userName: 'u@x.com' }, 'create').userName).toBe('u@x.com');
  });

  it.each<[string, unknown, string, RegExp]>([
    ['a missing userName', { name: { givenName: 'A' } }, 'invalidValue', /userName is required/],
    ['a blank userName', { userName: '   ' }, 'invalidValue', /userName is required/],
    ['a userName that is not a string', { userName: ['a'] }, 'invalidValue', /userName must be a string/],
    [
      'an active that is not a boolean',
      { userName: 'u@x.com', active: 'maybe' },
      'invalidValue',
      /active must be true or false, not "maybe"/,
    ],
    [
      'emails that are not an array',
      { userName: 'u@x.com', emails: { value: 'a@b.c' } },
      'invalidValue',
      /emails must be an array/,
    ],
    [
      'an email that is not an object',
      { userName: 'u@x.com', emails: [true] },
      'invalidValue',
      /emails\[0\] must be an object with value, display, type, primary/,
    ],
    ['a title that is an object', { userName: 'u@x.com', title: {} }, 'invalidValue', /title must be a string/],
    ['a name that is a string', { userName: 'u@x.com', name: 'Bob' }, 'invalidValue', /name must be an object/],
    [
      'a primary that is not a boolean',
      { userName: 'u@x.com', emails: [{ value: 'a', primary: 'yes' }] },
      'invalidValue',
      /emails\[0\]\.primary must be true or false/,
    ],
    [
      'two primary emails',
      {
        userName: 'u@x.com',
        emails: [
          { value: 'a', primary: true },
          { value: 'b', primary: 'True' },
        ],
      },
      'invalidValue',
      /emails has 2 elements with "primary": true; at most one may be primary/,
    ],
    [
      'a string over 1024 characters',
      { userName: 'u@x.com', title: 'x'.repeat(1025) },
      'invalidValue',
      /title is 1025 characters long; the limit is 1024/,
    ],
    [
      'more than 100 emails',
      { userName: 'u@x.com', emails: Array.from({ length: 101 }, (_, i) => ({ value: `${i}@x.com` })) },
      'tooMany',
      /emails has 101 elements; the limit is 100/,
    ],
    [
      'schemas without the User schema',
      { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], userName: 'u' },
      'invalidValue',
      /schemas must include/,
    ],
    ['schemas that are not an array', { schemas: CORE, userName: 'u' }, 'invalidValue', /schemas must be an array/],
    [
      'an enterprise extension that is not an object',
      { userName: 'u', [ENT]: 'x' },
      'invalidValue',
      /must be an object of attributes/,
    ],
    [
      'a multi-valued sub-attribute on its own',
      { userName: 'u', 'emails.value': 'x' },
      'invalidValue',
      /send emails as an array/,
    ],
    ['an array body', [], 'invalidSyntax', /must be a JSON object/],
    ['a null body', null, 'invalidSyntax', /must be a JSON object/],
    ['a string body', 'userName', 'invalidSyntax', /must be a JSON object/],
  ])('should refuse %s', (_, body, scimType, detail) => {
    const e = error(() => parseUserInput(body, 'create'));
    expect(e.status).toBe(400);
    expect(e.scimType).toBe(scimType);
    expect(e.detail).toMatch(detail);
  });

  it('should accept exactly the limits', () => {
    const user = parseUserInput(
      { userName: 'u@x.com', title: 'x'.repeat(1024), emails: Array.from({ length: 100 }, (_, i) => ({ value: `${i}@x.com` })) },
      'create',
    );
    expect(user.title).toHaveLength(1024);
    expect(user.emails).toHaveLength(100);
  });

  it('should be a fixed point: its output read again gives the same user', () => {
    const attributeName = fc.constantFrom(
      'userName',
      'USERNAME',
      'title',
      'active',
      'emails',
      'name',
      'addresses',
      'id',
      'meta',
      'password',
      'groups',
      ENT,
      `${ENT}:department`,
      `${ENT}:manager`,
      'name.givenName',
      'schemas',
      'x',
    );
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom('True', 'false', '', 'u@x.com', [{ value: 'a', primary: true }], { value: 'm' }, { givenName: 'G' }),
    );
    fc.assert(
      fc.property(
        fc.dictionary(attributeName, value),
        fc.constantFrom<'create' | 'replace'>('create', 'replace'),
        (body, mode) => {
          let user: ScimUserInput;
          try {
            user = parseUserInput({ userName: 'seed@x.com', ...body }, mode);
          } catch (e) {
            expect(e).toBeInstanceOf(ScimError);
            expect((e as ScimError).status).toBe(400);
            return;
          }
          expect(parseUserInput(JSON.parse(JSON.stringify(user)), 'replace')).toEqual(user);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('parseUserInput: what strings may hold', () => {
  it('should refuse a control character in any string attribute, nested or in the extension, naming it', () => {
    for (const [label, extra] of [
      ['name.givenName', { name: { givenName: 'Ann\u0007' } }],
      ['title', { title: 'Lead\n' }],
      ['emails[1].type', { emails: [{ value: 'a@x.com' }, { value: 'b@x.com', type: 'work\t' }] }],
      ['addresses[0].locality', { addresses: [{ locality: 'Paris\r' }] }],
      ['photos[0].value', { photos: [{ value: 'https://x.test/\u0000' }] }],
      [`${ENT}:manager.displayName`, { [ENT]: { manager: { value: '1', displayName: 'Boss\u007f' } } }],
      [`${ENT}:costCenter`, { [`${ENT}:costCenter`]: 'C\u001b' }],
    ] as const) {
      const e = error(() => parseUserInput({ userName: 'a@x.com', ...extra }, 'create'));
      expect({ label, scimType: e.scimType, detail: e.detail }).toEqual({
        label,
        scimType: 'invalidValue',
        detail: expect.stringMatching(new RegExp(`^${label.replace(/[.[\]]/g, '\\$&')} must not contain control characters`)),
      });
    }
  });

  it('should keep tab, LF and CR in addresses.formatted only', () => {
    const formatted = '1 Main St\r\nSpringfield\tIL';
    expect(parseUserInput({ userName: 'a@x.com', addresses: [{ formatted }] }, 'create').addresses).toEqual([{ formatted }]);
    expect(error(() => parseUserInput({ userName: 'a@x.com', addresses: [{ formatted: 'x\u000b' }] }, 'create')).detail).toMatch(
      /^addresses\[0\]\.formatted must not contain control characters other than tab/,
    );
  });

  it('should refuse directional overrides in userName and emails.value, and take them in display names', () => {
    expect(error(() => parseUserInput({ userName: '\u202eadmin@x.com' }, 'create')).detail).toMatch(
      /^userName must not contain directional/,
    );
    expect(error(() => parseUserInput({ userName: 'a@x.com', emails: ['b\u2066@x.com'] }, 'create')).detail).toMatch(
      /^emails\[0\]\.value must not contain directional/,
    );
    expect(parseUserInput({ userName: 'a@x.com', displayName: '\u202bשלום\u202c' }, 'create').displayName).toBe(
      '\u202bשלום\u202c',
    );
  });

  it('should refuse a lone surrogate, and take a pair', () => {
    expect(error(() => parseUserInput({ userName: 'a@x.com', nickName: 'x\ud800' }, 'create')).detail).toMatch(
      /^nickName must be well-formed Unicode text/,
    );
    expect(parseUserInput({ userName: 'a@x.com', nickName: '🚀' }, 'create').nickName).toBe('🚀');
  });

  it('should not check the text again when told the values were checked (a PATCH result with stored values)', () => {
    expect(parseUserInput({ userName: 'a@x.com', title: 'Old\u0007' }, 'replace', { textChecked: true }).title).toBe('Old\u0007');
  });
});

describe('buildUserResource', () => {
  it('should add schemas, id and meta, with the enterprise schema only when used', () => {
    const plain = buildUserResource(
      { userName: 'u@x.com', active: true },
      {
        id: '7',
        created: new Date('2024-01-01T00:00:00Z'),
        lastModified: '2024-01-02T00:00:00.000Z',
        version: 'W/"2"',
        baseUrl: 'https://h/v1.0/scim/v2/',
      },
    );
    expect(plain).toEqual({
      schemas: [CORE],
      id: '7',
      userName: 'u@x.com',
      active: true,
      meta: {
        resourceType: 'User',
        created: '2024-01-01T00:00:00.000Z',
        lastModified: '2024-01-02T00:00:00.000Z',
        location: 'https://h/v1.0/scim/v2/Users/7',
        version: 'W/"2"',
      },
    });
    const withExtension = buildUserResource(
      { userName: 'u@x.com', [ENT]: { department: 'D' } },
      { id: '8', created: '2024-01-01T00:00:00.000Z', lastModified: '2024-01-01T00:00:00.000Z', baseUrl: 'https://h' },
    );
    expect(withExtension.schemas).toEqual([CORE, ENT]);
    expect(withExtension[ENT]).toEqual({ department: 'D' });
  });
});
