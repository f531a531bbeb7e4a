import fc from 'fast-check';
import { applyUserPatch } from './user.patch';
import { parseUserInput, ScimUserInput } from './user.resource';
import { ScimError } from './scim-error';
import { ENTERPRISE_USER_SCHEMA as ENT, MAX_PATCH_OPERATIONS, PATCH_OP_SCHEMA } from './user.schema';

const BASE: ScimUserInput = parseUserInput(
  {
    userName: 'bjensen@example.com',
    externalId: 'ext-1',
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    displayName: 'Babs',
    title: 'Guide',
    active: true,
    emails: [
      { value: 'bjensen@example.com', type: 'work', primary: true },
      { value: 'babs@home.org', type: 'home' },
    ],
    phoneNumbers: [{ value: '555-0100', type: 'work' }],
    [ENT]: { department: 'Tours', manager: { value: '42', displayName: 'Boss' } },
  },
  'create',
);

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
deepFreeze(BASE);

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP_SCHEMA], Operations });
const edit = (change: (u: any) => void): ScimUserInput => {
  const copy = structuredClone(BASE) as any;
  change(copy);
  return copy;
};

function patchError(body: unknown, current: ScimUserInput = BASE): ScimError {
  try {
    applyUserPatch(current, body);
  } catch (e) {
    expect(e).toBeInstanceOf(ScimError);
    return e as ScimError;
  }
  throw new Error('expected a ScimError');
}

describe('applyUserPatch: what Okta sends', () => {
  it('should deactivate with a path-less replace', () => {
    const body = { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', value: { active: false } }] };
    expect(applyUserPatch(BASE, body)).toEqual(edit((u) => (u.active = false)));
  });

  it('should reactivate and drop a password', () => {
    const current = applyUserPatch(BASE, patch({ op: 'replace', value: { active: false } }));
    const body = patch({ op: 'replace', value: { active: true, password: 'Secret-1' } });
    const result = applyUserPatch(current, body);
    expect(result).toEqual(BASE);
    expect(JSON.stringify(result)).not.toContain('Secret-1');
  });
});

describe('applyUserPatch: what Entra sends', () => {
  it.each<[string, unknown, (u: any) => void]>([
    [
      'Replace with a filtered sub-attribute path and a dotted path',
      patch(
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
      ),
      (u) => {
        u.emails[0].value = 'updatedEmail@microsoft.com';
        u.name.familyName = 'updatedFamilyName';
      },
    ],
    [
      'Replace active with the string "False"',
      patch({ op: 'Replace', path: 'active', value: 'False' }),
      (u) => (u.active = false),
    ],
    [
      'replace active with false (aadOptscim062020)',
      patch({ op: 'replace', path: 'active', value: false }),
      (u) => (u.active = false),
    ],
    [
      'Add a work phone that does not exist yet',
      patch({ op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0199' }),
      (u) => u.phoneNumbers.push({ value: '+1 555 0199', type: 'mobile' }),
    ],
    [
      'Add a work email when there is none (create from the filter)',
      patch({ op: 'Add', path: 'emails[type eq "other"].value', value: 'other@x.com' }),
      (u) => u.emails.push({ value: 'other@x.com', type: 'other' }),
    ],
    [
      'Replace a work address part when there is no address',
      patch(
        { op: 'Replace', path: 'addresses[type eq "work"].streetAddress', value: '1 Main St' },
        { op: 'Replace', path: 'addresses[type eq "work"].locality', value: 'Springfield' },
        { op: 'Add', path: 'addresses[type eq "work"].country', value: 'US' },
      ),
      (u) => (u.addresses = [{ streetAddress: '1 Main St', locality: 'Springfield', country: 'US', type: 'work' }]),
    ],
    [
      'Add the manager as a plain id',
      patch({ op: 'Add', path: `${ENT}:manager`, value: '2819c223-7f76-453a-919d-413861904646' }),
      (u) => (u[ENT].manager = { value: '2819c223-7f76-453a-919d-413861904646' }),
    ],
    [
      'replace the manager as { value }',
      patch({ op: 'replace', path: `${ENT}:manager`, value: { value: '43' } }),
      (u) => (u[ENT].manager = { value: '43', displayName: 'Boss' }),
    ],
    [
      'Replace the manager as [{ value }]',
      patch({ op: 'Replace', path: `${ENT}:manager`, value: [{ value: '44' }] }),
      (u) => (u[ENT].manager = { value: '44', displayName: 'Boss' }),
    ],
    ['Remove the manager', patch({ op: 'Remove', path: `${ENT}:manager` }), (u) => delete u[ENT].manager],
    [
      'Remove the manager with a value (older jobs)',
      patch({ op: 'Remove', path: `${ENT}:manager`, value: [{ value: '42' }] }),
      (u) => delete u[ENT].manager,
    ],
    [
      'Replace the manager with "" to clear it',
      patch({ op: 'Replace', path: `${ENT}:manager`, value: '' }),
      (u) => delete u[ENT].manager,
    ],
    [
      'replace without path, keys being dotted and URN paths (aadOptscim062020)',
      patch({
        op: 'replace',
        value: {
          displayName: 'Barbara J',
          'name.givenName': 'Barb',
          [`${ENT}:employeeNumber`]: '701984',
          [`${ENT}:department`]: 'Sales',
          'emails[type eq "work"].value': 'barb@example.com',
        },
      }),
      (u) => {
        u.displayName = 'Barbara J';
        u.name.givenName = 'Barb';
        u[ENT].employeeNumber = '701984';
        u[ENT].department = 'Sales';
        u.emails[0].value = 'barb@example.com';
      },
    ],
    [
      'Add without path, the extension as an object',
      patch({ op: 'Add', value: { [ENT]: { costCenter: '4130', manager: '7' } } }),
      (u) => {
        u[ENT].costCenter = '4130';
        u[ENT].manager = { value: '7' };
      },
    ],
    ['remove a title', patch({ op: 'remove', path: 'title' }), (u) => delete u.title],
    ['Remove an email by filter', patch({ op: 'Remove', path: 'emails[type eq "home"]' }), (u) => u.emails.splice(1, 1)],
    [
      'Replace the externalId and the userName (checked by the app)',
      patch({ op: 'Replace', path: 'externalId', value: 'ext-2' }, { op: 'Replace', path: 'userName', value: 'new@example.com' }),
      (u) => {
        u.externalId = 'ext-2';
        u.userName = 'new@example.com';
      },
    ],
  ])('%s', (_, body, change) => {
    expect(applyUserPatch(BASE, body)).toEqual(edit(change));
  });
});

describe('applyUserPatch: bounded work', () => {
  it(`should apply ${MAX_PATCH_OPERATIONS} operations, and refuse more with tooMany and a sentence, changing nothing`, () => {
    const ops = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ op: 'replace', path: 'emails[type eq "work"].value', value: `w${i}@example.com` }));
    expect(applyUserPatch(BASE, patch(...ops(MAX_PATCH_OPERATIONS))).emails?.[0].value).toBe('w99@example.com');
    let refused: unknown;
    try {
      applyUserPatch(BASE, patch(...ops(MAX_PATCH_OPERATIONS + 1)));
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ScimError);
    expect(refused).toMatchObject({
      status: 400,
      scimType: 'tooMany',
      detail: 'The PATCH has 101 operations; this server applies at most 100 in one request. Send the rest in another PATCH.',
    });
  });
});

describe('applyUserPatch: RFC 7644 §3.5.2 and leniency', () => {
  it.each<[string, unknown, (u: any) => void]>([
    ['op in any case', patch({ op: 'REPLACE', path: 'title', value: 'Chief' }), (u) => (u.title = 'Chief')],
    ['operation keys in any case', patch({ OP: 'Replace', Path: 'title', Value: 'Chief' }), (u) => (u.title = 'Chief')],
    [
      '"operations" in lower case',
      { schemas: [PATCH_OP_SCHEMA], operations: [{ op: 'add', path: 'nickName', value: 'B' }] },
      (u) => (u.nickName = 'B'),
    ],
    ['a body without schemas', { Operations: [{ op: 'add', path: 'nickName', value: 'B' }] }, (u) => (u.nickName = 'B')],
    [
      'attribute names in any case',
      patch({ op: 'replace', path: 'NAME.GIVENNAME', value: 'B' }),
      (u) => (u.name.givenName = 'B'),
    ],
    [
      'a core-URN-qualified path',
      patch({ op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:title', value: 'T' }),
      (u) => (u.title = 'T'),
    ],
    ['replace with null removes', patch({ op: 'replace', path: 'displayName', value: null }), (u) => delete u.displayName],
    [
      'replace of a complex attribute merges its sub-attributes',
      patch({ op: 'replace', path: 'name', value: { givenName: 'B' } }),
      (u) => (u.name.givenName = 'B'),
    ],
    [
      'path-less replace of name merges too',
      patch({ op: 'replace', value: { name: { middleName: 'J', givenName: null } } }),
      (u) => {
        u.name = { familyName: 'Jensen', middleName: 'J' };
      },
    ],
    ['remove of a sub-attribute', patch({ op: 'remove', path: 'name.givenName' }), (u) => delete u.name.givenName],
    ['remove of a whole complex attribute', patch({ op: 'remove', path: 'name' }), (u) => delete u.name],
    [
      'add to a multi-valued attribute appends, skipping duplicates',
      patch({
        op: 'add',
        path: 'emails',
        value: [
          { value: 'BABS@home.org', type: 'HOME' },
          { value: 'new@x.com', type: 'other' },
        ],
      }),
      (u) => u.emails.push({ value: 'new@x.com', type: 'other' }),
    ],
    [
      'add of a single object to a multi-valued attribute',
      patch({ op: 'add', path: 'phoneNumbers', value: { value: '555-0101', type: 'home' } }),
      (u) => u.phoneNumbers.push({ value: '555-0101', type: 'home' }),
    ],
    [
      'add of a new primary email demotes the old one',
      patch({ op: 'add', path: 'emails', value: [{ value: 'p@x.com', primary: 'True' }] }),
      (u) => {
        u.emails[0].primary = false;
        u.emails.push({ value: 'p@x.com', primary: true });
      },
    ],
    [
      'setting primary on a filtered element demotes the others',
      patch({ op: 'replace', path: 'emails[type eq "home"].primary', value: 'true' }),
      (u) => {
        u.emails[0].primary = false;
        u.emails[1].primary = true;
      },
    ],
    [
      'replace of a multi-valued attribute replaces all',
      patch({ op: 'replace', path: 'emails', value: [{ value: 'only@x.com' }] }),
      (u) => (u.emails = [{ value: 'only@x.com' }]),
    ],
    ['remove of a multi-valued attribute', patch({ op: 'remove', path: 'emails' }), (u) => delete u.emails],
    [
      'remove of listed values of a multi-valued attribute',
      patch({ op: 'remove', path: 'emails', value: [{ value: 'BABS@home.org' }] }),
      (u) => u.emails.splice(1, 1),
    ],
    [
      'replace on a filtered element merges (keeps type)',
      patch({ op: 'replace', path: 'emails[value eq "babs@home.org"]', value: { display: 'Home' } }),
      (u) => (u.emails[1].display = 'Home'),
    ],
    [
      'filters with and / or / not select elements',
      patch({ op: 'replace', path: 'emails[type eq "home" or not (primary eq true)].display', value: 'X' }),
      (u) => (u.emails[1].display = 'X'),
    ],
    [
      'filter values compare case-insensitively',
      patch({ op: 'remove', path: 'emails[type eq "HOME"]' }),
      (u) => u.emails.splice(1, 1),
    ],
    [
      'remove with a filter matching nothing is a no-op',
      patch({ op: 'remove', path: 'emails[type eq "other"]' }),
      () => undefined,
    ],
    [
      'remove of a sub-attribute on filtered elements',
      patch({ op: 'remove', path: 'emails[type eq "work"].primary' }),
      (u) => delete u.emails[0].primary,
    ],
    [
      'removing the value of an element drops the element',
      patch({ op: 'remove', path: 'emails[type eq "home"].value' }),
      (u) => u.emails.splice(1, 1),
    ],
    [
      'creation from an "and" of eq comparisons',
      patch({ op: 'add', path: 'emails[type eq "other" and primary eq false].value', value: 'o@x.com' }),
      (u) => u.emails.push({ value: 'o@x.com', type: 'other', primary: false }),
    ],
    [
      'a path on emails.value sets every element',
      patch({ op: 'replace', path: 'phoneNumbers.value', value: '1' }),
      (u) => (u.phoneNumbers[0].value = '1'),
    ],
    ['ignored: groups', patch({ op: 'add', path: 'groups', value: [{ value: 'g' }] }), () => undefined],
    ['ignored: password', patch({ op: 'replace', path: 'password', value: 'x' }), () => undefined],
    [
      'ignored: a custom extension attribute',
      patch({ op: 'replace', path: 'urn:ietf:params:scim:schemas:extension:custom:2.0:User:badge', value: '1' }),
      () => undefined,
    ],
    [
      'ignored in a path-less value: id, meta, schemas, unknown keys',
      patch({ op: 'replace', value: { id: '9', meta: {}, schemas: [], colour: 'red', title: 'T' } }),
      (u) => (u.title = 'T'),
    ],
    ['remove of the whole extension', patch({ op: 'remove', path: ENT }), (u) => delete u[ENT]],
    [
      'operations apply in order',
      patch(
        { op: 'add', path: 'title', value: 'A' },
        { op: 'replace', path: 'title', value: 'B' },
        { op: 'remove', path: 'nickName' },
      ),
      (u) => (u.title = 'B'),
    ],
  ])('%s', (_, body, change) => {
    expect(applyUserPatch(BASE, body)).toEqual(edit(change));
  });
});

describe('applyUserPatch errors', () => {
  it.each<[string, unknown, string, RegExp]>([
    ['remove without path', patch({ op: 'remove' }), 'noTarget', /Operation 1 \(remove\): remove needs a "path"/],
    [
      'an unknown op',
      patch({ op: 'merge', path: 'title', value: 'x' }),
      'invalidSyntax',
      /Operation 1 has op "merge"; use "add", "replace" or "remove"/,
    ],
    ['a missing op', patch({ path: 'title', value: 'x' }), 'invalidSyntax', /Operation 1 has op missing/],
    ['add without value', patch({ op: 'add', path: 'title' }), 'invalidValue', /Operation 1 \(add\) has no "value"/],
    ['a path that is not a string', patch({ op: 'add', path: 3, value: 'x' }), 'invalidPath', /path that is not a string/],
    [
      'an unknown attribute',
      patch({ op: 'add', path: 'members', value: [] }),
      'invalidPath',
      /Operation 1 \(add members\): the path 'members' does not name an attribute/,
    ],
    [
      'an unknown sub-attribute',
      patch({ op: 'add', path: 'name.nick', value: 'x' }),
      'invalidPath',
      /'name' has no sub-attribute 'nick'/,
    ],
    ['a malformed filter', patch({ op: 'replace', path: 'emails[type eq "work"', value: 'x' }), 'invalidPath', /never closed/],
    [
      'an unknown attribute in a filter',
      patch({ op: 'replace', path: 'emails[kind eq "work"].value', value: 'x' }),
      'invalidPath',
      /'emails' has no sub-attribute 'kind'/,
    ],
    [
      'an unknown sub-attribute after a filter',
      patch({ op: 'replace', path: 'emails[type eq "work"].nope', value: 'x' }),
      'invalidPath',
      /emails has no sub-attribute 'nope'/,
    ],
    [
      'a filter on a single-valued attribute',
      patch({ op: 'replace', path: 'name[givenName eq "x"].familyName', value: 'x' }),
      'invalidPath',
      /only multi-valued attributes/,
    ],
    ['garbage after the path', patch({ op: 'replace', path: 'title title', value: 'x' }), 'invalidPath', /unexpected/],
    ['modifying id', patch({ op: 'replace', path: 'id', value: '9' }), 'mutability', /id is assigned by the server/],
    [
      'modifying meta',
      patch({ op: 'replace', path: 'meta.lastModified', value: '2024-01-01' }),
      'mutability',
      /meta is assigned by the server/,
    ],
    [
      'replace on a filter that matches nothing and cannot build an element',
      patch({ op: 'replace', path: 'emails[value co "zzz"].type', value: 'work' }),
      'noTarget',
      /no element of emails matches \[value co "zzz"\]/,
    ],
    [
      'a wrongly typed value',
      patch({ op: 'replace', path: 'active', value: 'maybe' }),
      'invalidValue',
      /Operation 1 \(replace active\): active must be true or false/,
    ],
    [
      'a wrongly typed path-less value',
      patch({ op: 'replace', value: { emails: 'x' } }),
      'invalidValue',
      /Operation 1 \(replace\): emails must be an array, not "x"/,
    ],
    [
      'a path-less value that is not an object',
      patch({ op: 'replace', value: 'x' }),
      'invalidValue',
      /without a path, "value" must be an object/,
    ],
    ['removing userName', patch({ op: 'remove', path: 'userName' }), 'mutability', /userName is required and cannot be removed/],
    // A user always has a state; "no state" would be a 200 that deactivated no one.
    [
      'removing active',
      patch({ op: 'remove', path: 'active' }),
      'mutability',
      /^Operation 1 \(remove active\): active cannot be removed; replace it with false to deactivate the user\.$/,
    ],
    [
      'removing active by its URN path, with a value',
      patch({ op: 'Remove', path: 'urn:ietf:params:scim:schemas:core:2.0:User:active', value: true }),
      'mutability',
      /active cannot be removed; replace it with false/,
    ],
    [
      'replacing active with null',
      patch({ op: 'replace', path: 'ACTIVE', value: null }),
      'mutability',
      /active cannot be removed/,
    ],
    ['adding a null active', patch({ op: 'add', path: 'active', value: null }), 'mutability', /active cannot be removed/],
    [
      'a path-less null active',
      patch({ op: 'replace', value: { displayName: 'D', active: null } }),
      'mutability',
      /active cannot be removed/,
    ],
    [
      'two primaries after replace',
      patch({
        op: 'replace',
        path: 'emails',
        value: [
          { value: 'a', primary: true },
          { value: 'b', primary: true },
        ],
      }),
      'invalidValue',
      /at most one may be primary/,
    ],
    [
      'wrong schemas',
      { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], Operations: [{ op: 'add', path: 'title', value: 'x' }] },
      'invalidSyntax',
      /schemas must be/,
    ],
    ['no Operations', { schemas: [PATCH_OP_SCHEMA] }, 'invalidSyntax', /"Operations" array/],
    ['empty Operations', patch(), 'invalidSyntax', /at least one operation/],
    ['Operations not an array', { schemas: [PATCH_OP_SCHEMA], Operations: { op: 'add' } }, 'invalidSyntax', /"Operations" array/],
    ['an operation that is not an object', patch('replace'), 'invalidSyntax', /Operation 1 must be an object/],
    ['a body that is not an object', 'replace', 'invalidSyntax', /must be a JSON object/],
    [
      'the second operation failing',
      patch({ op: 'replace', path: 'title', value: 'ok' }, { op: 'replace', path: 'id', value: '1' }),
      'mutability',
      /^Operation 2/,
    ],
  ])('should refuse %s', (_, body, scimType, detail) => {
    const e = patchError(body);
    expect(e.status).toBe(400);
    expect(e.scimType).toBe(scimType);
    expect(e.detail).toMatch(detail);
  });

  it('should leave the input untouched when a later operation fails', () => {
    const current = structuredClone(BASE);
    const before = JSON.stringify(current);
    patchError(patch({ op: 'replace', path: 'title', value: 'changed' }, { op: 'remove' }), current);
    expect(JSON.stringify(current)).toBe(before);
  });
});

describe('applyUserPatch: what strings may hold', () => {
  it('should check each value an operation brings, with or without a path, and name it', () => {
    for (const [operation, detail] of [
      [
        { op: 'replace', path: 'title', value: 'x\u0000' },
        /^Operation 1 \(replace title\): title must not contain control characters/,
      ],
      [{ op: 'add', value: { name: { familyName: 'J\n' } } }, /^Operation 1 \(add\): name\.familyName must not contain control/],
      [{ op: 'add', value: { 'name.givenName': 'B\t' } }, /name\.givenName must not contain control/],
      [{ op: 'add', path: 'emails', value: [{ value: 'c\u202e@x.com' }] }, /emails\[0\]\.value must not contain directional/],
      [
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'd\u2069@x.com' },
        /emails\[type eq "work"\]\.value must not contain directional/,
      ],
      [{ op: 'replace', path: `${ENT}:department`, value: 'R\u0001' }, /department must not contain control/],
      [{ op: 'add', path: 'addresses', value: [{ formatted: 'x\u0000' }] }, /addresses\[0\]\.formatted must not contain control/],
    ] as const) {
      const e = patchError(patch(operation));
      expect({ operation, scimType: e.scimType, detail: e.detail }).toEqual({
        operation,
        scimType: 'invalidValue',
        detail: expect.stringMatching(detail),
      });
    }
  });

  it('should take line breaks in addresses.formatted, and leave a value stored before the rule as it is', () => {
    const formatted = 'PO Box 1\nNowhere';
    expect(applyUserPatch(BASE, patch({ op: 'add', path: 'addresses', value: [{ formatted }] })).addresses).toEqual([
      { formatted },
    ]);
    const legacy = edit((u) => (u.title = 'Old\u0007'));
    expect(applyUserPatch(legacy, patch({ op: 'replace', path: 'active', value: false }))).toMatchObject({
      active: false,
      title: 'Old\u0007',
    });
  });
});

describe('applyUserPatch properties', () => {
  const PATHS = [
    undefined,
    '',
    'title',
    'TITLE',
    'name',
    'name.givenName',
    'active',
    'userName',
    'emails',
    'emails.value',
    'emails[type eq "work"]',
    'emails[type eq "work"].value',
    'emails[type eq "work"].primary',
    'emails[primary eq true].type',
    'emails[value co "x" or not (type pr)]',
    'emails[type eq "x" and primary eq true].display',
    'addresses[type eq "work"].locality',
    'phoneNumbers[type eq "mobile"]',
    'roles',
    'x509Certificates',
    `${ENT}:manager`,
    `${ENT}:manager.value`,
    `${ENT}:department`,
    ENT,
    'id',
    'meta',
    'meta.created',
    'groups',
    'password',
    'members',
    'emails[',
    'emails[type eq]',
    'emails]',
    'name[',
    'urn:x:y:z',
    'urn:ietf:params:scim:schemas:core:2.0:User',
    'emails[type eq "work"].value.extra',
    'emails[type eq "work"]value',
    'a b',
  ];
  const VALUES = fc.oneof(
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        'True',
        'FALSE',
        'Tour Guide',
        'a@b.c',
        '',
        'x@y.z',
        true,
        false,
        null,
        7,
        [{ value: 'a@b.c', type: 'work', primary: true }],
        [
          { value: 'a@b.c', primary: 'True' },
          { value: 'd@e.f', primary: true },
        ],
        { value: 'm' },
        [{ value: 'm' }],
        { givenName: 'G', familyName: null },
        { active: 'False', 'name.givenName': 'N' },
        { [`${ENT}:manager`]: 'boss', 'emails[type eq "home"].value': 'h@x.com' },
        { [ENT]: { department: 'D' } },
        { userName: '' },
        { id: '1', meta: {} },
      ),
    },
  );
  const operation = fc.record(
    {
      op: fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom('add', 'replace', 'remove', 'Add', 'REPLACE', 'Remove') },
        { weight: 1, arbitrary: fc.oneof(fc.constantFrom('merge', ''), fc.jsonValue()) },
      ),
      path: fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom(...PATHS) },
        { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 20 }), fc.jsonValue()) },
      ),
      value: VALUES,
    },
    { requiredKeys: ['op'] },
  );
  const body = fc.oneof(
    { weight: 8, arbitrary: fc.array(operation, { minLength: 1, maxLength: 3 }).map((ops) => patch(...ops)) },
    {
      weight: 1,
      arbitrary: fc.record({ Operations: fc.array(operation, { maxLength: 3 }), schemas: fc.jsonValue() }, { requiredKeys: [] }),
    },
    { weight: 1, arbitrary: fc.anything() },
  );

  it('should return a valid user or throw a 4xx ScimError, never mutating the input', () => {
    let applied = 0;
    fc.assert(
      fc.property(body, (b) => {
        const before = JSON.stringify(BASE);
        try {
          const result = applyUserPatch(BASE, b);
          applied++;
          // The result is a fixed point of parseUserInput: valid, canonical.
          expect(parseUserInput(JSON.parse(JSON.stringify(result)), 'replace')).toEqual(result);
          expect(result.userName.trim()).not.toBe('');
        } catch (e) {
          if (!(e instanceof ScimError)) throw e;
          expect(e.status).toBeGreaterThanOrEqual(400);
          expect(e.status).toBeLessThan(500);
        }
        expect(JSON.stringify(BASE)).toBe(before);
      }),
      { numRuns: 3000 },
    );
    // Guard against a vacuous property where every body is refused.
    expect(applied).toBeGreaterThan(150);
  });
});
