import fc from 'fast-check';
import {
  MAX_RECORDED_BODY_BYTES,
  REDACTED,
  compileRedactionRules,
  cutBody,
  redactScimBody,
  redactScimQuery,
  redactScimText,
  scimClientOf,
} from './inspection';
import { CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA, LIST_RESPONSE_SCHEMA, PATCH_OP_SCHEMA } from './user.schema';

const NONE = compileRedactionRules([]);
const LISTED = compileRedactionRules([
  'employeeNumber',
  `${ENTERPRISE_USER_SCHEMA}:costCenter`,
  'name.familyName',
  'phoneNumbers',
  'emails.value',
  ` ${ENTERPRISE_USER_SCHEMA}:manager.displayName `,
  '',
]);

const patch = (...operations: unknown[]) => ({ schemas: [PATCH_OP_SCHEMA], Operations: operations });

/** Okta's create body, as in its SCIM 2.0 reference (Okta sends a password even without password sync). */
const oktaCreate = () => ({
  schemas: [CORE_USER_SCHEMA],
  userName: 'test.user@okta.local',
  name: { givenName: 'Test', familyName: 'User' },
  emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
  displayName: 'Test User',
  locale: 'en-US',
  externalId: '00ujl29u0le5T6Aj10h7',
  groups: [],
  password: 'secret-okta-create',
  active: true,
});

/** Entra's create body, as in Microsoft's SCIM tutorial (enterprise extension, manager as an object). */
const entraCreate = () => ({
  schemas: [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
  externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
  userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1',
  active: true,
  emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com' }],
  meta: { resourceType: 'User' },
  name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
  phoneNumbers: [{ type: 'work', value: '+1 555 0100' }],
  roles: [],
  [ENTERPRISE_USER_SCHEMA]: {
    employeeNumber: '701984',
    costCenter: '4130',
    department: 'Sales',
    manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: 'Boss' },
  },
});

describe('redactScimBody: password', () => {
  it("should redact the top-level password of Okta's create body and keep everything else", () => {
    const body = oktaCreate();
    expect(redactScimBody(body, NONE)).toEqual({ ...oktaCreate(), password: REDACTED });
  });

  it('should redact password whatever its case, schema-qualified, and at any depth', () => {
    const body = {
      Password: 'secret-1',
      PASSWORD: 'secret-2',
      [`${CORE_USER_SCHEMA}:password`]: 'secret-3',
      [`${CORE_USER_SCHEMA.toUpperCase()}:Password`]: 'secret-4',
      'name.password': 'secret-5',
      [ENTERPRISE_USER_SCHEMA]: { password: 'secret-6', nested: [{ deeper: { password: 'secret-7' } }] },
      'urn:ietf:params:scim:schemas:extension:custom:2.0:User:password': 'secret-8',
    };
    expect(redactScimBody(body, NONE)).toEqual({
      Password: REDACTED,
      PASSWORD: REDACTED,
      [`${CORE_USER_SCHEMA}:password`]: REDACTED,
      [`${CORE_USER_SCHEMA.toUpperCase()}:Password`]: REDACTED,
      'name.password': REDACTED,
      [ENTERPRISE_USER_SCHEMA]: { password: REDACTED, nested: [{ deeper: { password: REDACTED } }] },
      'urn:ietf:params:scim:schemas:extension:custom:2.0:User:password': REDACTED,
    });
  });

  it('should redact a password of any type, but leave null (it hides nothing)', () => {
    expect(redactScimBody({ password: { hash: 'x' } }, NONE)).toEqual({ password: REDACTED });
    expect(redactScimBody({ password: ['a'] }, NONE)).toEqual({ password: REDACTED });
    expect(redactScimBody({ password: 1234 }, NONE)).toEqual({ password: REDACTED });
    expect(redactScimBody({ password: '' }, NONE)).toEqual({ password: REDACTED });
    expect(redactScimBody({ password: null }, NONE)).toEqual({ password: null });
  });

  it("should redact Okta's password sync PATCH, with and without a path", () => {
    expect(redactScimBody(patch({ op: 'replace', value: { password: 'secret-a' } }), NONE)).toEqual(
      patch({ op: 'replace', value: { password: REDACTED } }),
    );
    expect(redactScimBody(patch({ op: 'replace', path: 'password', value: 'secret-b' }), NONE)).toEqual(
      patch({ op: 'replace', path: 'password', value: REDACTED }),
    );
  });

  it("should redact Entra's PATCH operations on password (capitalised op, any case of path, schema-qualified)", () => {
    const body = patch(
      { op: 'Replace', path: 'password', value: 'secret-1' },
      { op: 'Replace', path: 'Password', value: 'secret-2' },
      { op: 'Add', path: `${CORE_USER_SCHEMA}:password`, value: 'secret-3' },
      { op: 'Replace', path: ' PASSWORD ', value: ['secret-4'] },
      { op: 'Replace', path: 'displayName', value: 'Kept' },
      { op: 'Replace', value: { displayName: 'Kept', [`${CORE_USER_SCHEMA}:password`]: 'secret-5' } },
    );
    expect(redactScimBody(body, NONE)).toEqual(
      patch(
        { op: 'Replace', path: 'password', value: REDACTED },
        { op: 'Replace', path: 'Password', value: REDACTED },
        { op: 'Add', path: `${CORE_USER_SCHEMA}:password`, value: REDACTED },
        { op: 'Replace', path: ' PASSWORD ', value: REDACTED },
        { op: 'Replace', path: 'displayName', value: 'Kept' },
        { op: 'Replace', value: { displayName: 'Kept', [`${CORE_USER_SCHEMA}:password`]: REDACTED } },
      ),
    );
  });

  it('should read operations under any spelling of Operations and of their keys, with or without schemas', () => {
    const body = {
      operations: [
        { OP: 'replace', PATH: 'password', VALUE: 'secret-1' },
        { Op: 'add', Value: { Password: 'secret-2' } },
      ],
    };
    expect(redactScimBody(body, NONE)).toEqual({
      operations: [
        { OP: 'replace', PATH: 'password', VALUE: REDACTED },
        { Op: 'add', Value: { Password: REDACTED } },
      ],
    });
  });

  it('should redact password in PUT bodies, nested extension objects and responses (ListResponse, one resource)', () => {
    const put = {
      ...entraCreate(),
      id: '23a35c27',
      password: 'secret-put',
      [ENTERPRISE_USER_SCHEMA]: { password: 'secret-ext' },
    };
    expect(redactScimBody(put, NONE)).toEqual({ ...put, password: REDACTED, [ENTERPRISE_USER_SCHEMA]: { password: REDACTED } });
    const list = {
      schemas: [LIST_RESPONSE_SCHEMA],
      totalResults: 2,
      Resources: [oktaCreate(), { ...entraCreate(), password: 'x' }],
    };
    expect(redactScimBody(list, NONE)).toEqual({
      ...list,
      Resources: [
        { ...oktaCreate(), password: REDACTED },
        { ...entraCreate(), password: REDACTED },
      ],
    });
  });

  it('should not redact keys that only contain the word (changePassword of ServiceProviderConfig)', () => {
    const body = { changePassword: { supported: false }, passwordPolicy: 'x' };
    expect(redactScimBody(body, NONE)).toEqual(body);
  });

  it('should let no "secret-…" at a password key survive serialization, however the body nests (property)', () => {
    const passwordKey = fc.constantFrom(
      'password',
      'Password',
      'PASSWORD',
      'pAsSwOrD',
      `${CORE_USER_SCHEMA}:password`,
      `${CORE_USER_SCHEMA}:Password`,
      `${ENTERPRISE_USER_SCHEMA}:password`,
      'name.password',
    );
    const secret = fc.string({ maxLength: 12 }).map((s) => `secret-${s}`);
    const otherKey = fc.constantFrom(
      'userName',
      'name',
      'emails',
      'value',
      'Operations',
      'operations',
      'Resources',
      'op',
      'path',
      ENTERPRISE_USER_SCHEMA,
    );
    const plain = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));
    const { tree } = fc.letrec<{ tree: unknown; node: unknown }>((tie) => ({
      tree: fc.oneof({ depthSize: 'small' }, plain, tie('node'), fc.array(tie('tree'), { maxLength: 3 })),
      node: fc
        .tuple(fc.dictionary(otherKey, tie('tree'), { maxKeys: 3 }), fc.option(fc.tuple(passwordKey, secret), { nil: undefined }))
        .map(([object, password]) => (password ? { ...object, [password[0]]: password[1] } : object)),
    }));
    // A PATCH naming password in its path, in any of the spellings above.
    const operation = fc
      .tuple(passwordKey, secret, fc.constantFrom('op', 'Op'), fc.constantFrom('replace', 'Replace', 'add'))
      .map(([path, value, opKey, op]) =>
        path.includes('.') ? { [opKey]: op, value: { [path]: value } } : { [opKey]: op, path, value },
      );
    const body = fc.oneof(
      tree,
      fc.array(operation, { minLength: 1, maxLength: 4 }).map((ops) => patch(...ops)),
      fc
        .tuple(tree, fc.array(operation, { maxLength: 2 }))
        .map(([resource, ops]) => ({ Resources: [resource], Operations: ops })),
    );
    fc.assert(
      fc.property(body, (input) => {
        const before = JSON.stringify(input);
        const text = JSON.stringify(redactScimBody(input, LISTED)) ?? '';
        expect(text).not.toContain('secret-');
        expect(JSON.stringify(input)).toBe(before);
      }),
      { numRuns: 500 },
    );
  });

  it('should never throw, and give JSON back, whatever JSON it is given (property)', () => {
    const key = fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.constantFrom(
        '[',
        ']',
        'a[',
        'a]b',
        'urn:',
        'urn:x',
        '.',
        'emails[',
        'emails[]',
        'emails[x]y',
        'name..x',
        'Operations',
        'path',
      ),
    );
    const json = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue({ maxDepth: 2 }),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(key, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, (input) => {
        const redacted = redactScimBody(input, LISTED);
        expect(() => JSON.stringify(redacted)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});

describe('redactScimBody: listed attributes', () => {
  it("should redact each listed form in Entra's create body: top-level, sub-attribute, multi-valued, element value, extension", () => {
    const body = entraCreate();
    expect(redactScimBody(body, LISTED)).toEqual({
      ...entraCreate(),
      emails: [{ primary: true, type: 'work', value: REDACTED }],
      name: { formatted: 'givenName familyName', familyName: REDACTED, givenName: 'givenName' },
      phoneNumbers: REDACTED,
      [ENTERPRISE_USER_SCHEMA]: {
        employeeNumber: REDACTED,
        costCenter: REDACTED,
        department: 'Sales',
        manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d', displayName: REDACTED },
      },
    });
  });

  it('should match listed attributes case-insensitively, as schema-qualified keys, and as dotted keys', () => {
    const body = {
      EmployeeNumber: '1',
      [`${ENTERPRISE_USER_SCHEMA}:employeeNumber`]: '2',
      [`${ENTERPRISE_USER_SCHEMA}:COSTCENTER`]: '3',
      'NAME.FAMILYNAME': 'Smith',
      [`${CORE_USER_SCHEMA}:name.familyName`]: 'Smith',
      'name.givenName': 'Kept',
      NAME: { FamilyName: 'Smith', GivenName: 'Kept' },
      Emails: [{ Value: 'a@example.com', Type: 'work' }],
      PHONENUMBERS: [],
    };
    expect(redactScimBody(body, LISTED)).toEqual({
      EmployeeNumber: REDACTED,
      [`${ENTERPRISE_USER_SCHEMA}:employeeNumber`]: REDACTED,
      [`${ENTERPRISE_USER_SCHEMA}:COSTCENTER`]: REDACTED,
      'NAME.FAMILYNAME': REDACTED,
      [`${CORE_USER_SCHEMA}:name.familyName`]: REDACTED,
      'name.givenName': 'Kept',
      NAME: { FamilyName: REDACTED, GivenName: 'Kept' },
      Emails: [{ Value: REDACTED, Type: 'work' }],
      PHONENUMBERS: REDACTED,
    });
  });

  it('should redact the value of PATCH operations whose path names a listed attribute, in every form Entra and Okta send', () => {
    const body = patch(
      { op: 'Add', path: 'employeeNumber', value: '1' },
      { op: 'Replace', path: `${ENTERPRISE_USER_SCHEMA}:employeeNumber`, value: '2' },
      { op: 'Replace', path: 'name.familyName', value: 'Smith' },
      { op: 'Replace', path: 'name', value: { familyName: 'Smith', givenName: 'Kept' } },
      { op: 'Replace', path: 'phoneNumbers[type eq "work"].value', value: '+1 555 0100' },
      { op: 'Add', path: 'phoneNumbers', value: [{ type: 'mobile', value: '+1 555 0101' }] },
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'a@example.com' },
      { op: 'Add', path: 'emails', value: [{ type: 'home', value: 'b@example.com' }] },
      { op: 'Replace', path: 'emails[type eq "work"]', value: { value: 'c@example.com', primary: true } },
      { op: 'Add', path: `${ENTERPRISE_USER_SCHEMA}:manager`, value: { value: 'm-1', displayName: 'Boss' } },
      { op: 'Replace', path: ENTERPRISE_USER_SCHEMA, value: { employeeNumber: '3', department: 'Kept' } },
      { op: 'Replace', path: 'title', value: 'Kept' },
      { op: 'Remove', path: 'name.familyName' },
    );
    expect(redactScimBody(body, LISTED)).toEqual(
      patch(
        { op: 'Add', path: 'employeeNumber', value: REDACTED },
        { op: 'Replace', path: `${ENTERPRISE_USER_SCHEMA}:employeeNumber`, value: REDACTED },
        { op: 'Replace', path: 'name.familyName', value: REDACTED },
        { op: 'Replace', path: 'name', value: { familyName: REDACTED, givenName: 'Kept' } },
        // A wholly listed attribute hides every literal its filters compare, its type labels too.
        { op: 'Replace', path: `phoneNumbers[type eq "${REDACTED}"].value`, value: REDACTED },
        { op: 'Add', path: 'phoneNumbers', value: REDACTED },
        { op: 'Replace', path: 'emails[type eq "work"].value', value: REDACTED },
        { op: 'Add', path: 'emails', value: [{ type: 'home', value: REDACTED }] },
        { op: 'Replace', path: 'emails[type eq "work"]', value: { value: REDACTED, primary: true } },
        { op: 'Add', path: `${ENTERPRISE_USER_SCHEMA}:manager`, value: { value: 'm-1', displayName: REDACTED } },
        { op: 'Replace', path: ENTERPRISE_USER_SCHEMA, value: { employeeNumber: REDACTED, department: 'Kept' } },
        { op: 'Replace', path: 'title', value: 'Kept' },
        { op: 'Remove', path: 'name.familyName' },
      ),
    );
  });

  it("should redact Entra's path-less value object, whose keys are dotted, qualified and filtered paths", () => {
    const body = patch({
      op: 'replace',
      value: {
        displayName: 'Kept',
        'name.givenName': 'Kept',
        'name.familyName': 'Smith',
        [`${ENTERPRISE_USER_SCHEMA}:employeeNumber`]: '4',
        'emails[type eq "work"].value': 'd@example.com',
        active: false,
      },
    });
    expect(redactScimBody(body, LISTED)).toEqual(
      patch({
        op: 'replace',
        value: {
          displayName: 'Kept',
          'name.givenName': 'Kept',
          'name.familyName': REDACTED,
          [`${ENTERPRISE_USER_SCHEMA}:employeeNumber`]: REDACTED,
          'emails[type eq "work"].value': REDACTED,
          active: false,
        },
      }),
    );
  });

  it('should take a bare string where an element of a listed `.value` is expected as that value', () => {
    const rules = compileRedactionRules(['emails.value', 'manager.value']);
    expect(redactScimBody({ emails: ['a@example.com'] }, rules)).toEqual({ emails: [REDACTED] });
    expect(redactScimBody(patch({ op: 'Add', path: `${ENTERPRISE_USER_SCHEMA}:manager`, value: 'm-1' }), rules)).toEqual(
      patch({ op: 'Add', path: `${ENTERPRISE_USER_SCHEMA}:manager`, value: REDACTED }),
    );
    expect(redactScimBody(patch({ op: 'Add', path: 'emails', value: 'e@example.com' }), rules)).toEqual(
      patch({ op: 'Add', path: 'emails', value: REDACTED }),
    );
  });

  it('should redact the literal a value filter compares with a redacted attribute, in paths and keys', () => {
    const body = patch(
      { op: 'remove', path: 'emails[value eq "a@example.com"]' },
      { op: 'replace', path: 'emails[type eq "work" and VALUE eq "b@example.com"].primary', value: true },
      { op: 'remove', path: 'phoneNumbers[value eq "+1 555 0100"]' },
      { op: 'remove', path: 'members[value eq "2819c223"]' },
      { op: 'replace', value: { 'emails[value eq "c@example.com"].type': 'home' } },
    );
    expect(redactScimBody(body, LISTED)).toEqual(
      patch(
        { op: 'remove', path: `emails[value eq "${REDACTED}"]` },
        { op: 'replace', path: `emails[type eq "work" and VALUE eq "${REDACTED}"].primary`, value: true },
        { op: 'remove', path: `phoneNumbers[value eq "${REDACTED}"]` },
        { op: 'remove', path: 'members[value eq "2819c223"]' },
        { op: 'replace', value: { [`emails[value eq "${REDACTED}"].type`]: 'home' } },
      ),
    );
  });

  it('should redact listed attributes in responses: a ListResponse and a single resource', () => {
    const list = { schemas: [LIST_RESPONSE_SCHEMA], totalResults: 1, Resources: [entraCreate()] };
    const redacted = redactScimBody(list, LISTED) as { Resources: unknown[] };
    expect(redacted.Resources[0]).toEqual(redactScimBody(entraCreate(), LISTED));
    expect(JSON.stringify(redacted)).not.toMatch(/701984|\+1 555 0100|fd0ea19b|"familyName":"familyName"|Boss/);
  });

  it('should keep discovery documents readable: a listed `name` does not hide the attribute names of /Schemas', () => {
    const rules = compileRedactionRules(['name', 'description']);
    const schemas = {
      schemas: [LIST_RESPONSE_SCHEMA],
      Resources: [
        {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
          id: CORE_USER_SCHEMA,
          name: 'User',
          description: 'User Account',
          attributes: [{ name: 'userName', type: 'string', description: 'Unique identifier' }],
        },
      ],
    };
    expect(redactScimBody(schemas, rules)).toEqual(schemas);
    expect(redactScimBody({ name: { givenName: 'x' }, description: 'y' }, rules)).toEqual({
      name: REDACTED,
      description: REDACTED,
    });
    // Only those descriptive strings: a body claiming to be a schema keeps no listed data, nor a password.
    const claiming = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
      name: { familyName: 'Smith' },
      employeeNumber: '1',
      password: 'x',
      attributes: [{ name: 'userName', emails: [{ value: 'a@example.com' }] }],
    };
    expect(redactScimBody(claiming, compileRedactionRules(['name', 'employeeNumber', 'emails.value']))).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
      name: REDACTED,
      employeeNumber: REDACTED,
      password: REDACTED,
      attributes: [{ name: 'userName', emails: [{ value: REDACTED }] }],
    });
  });

  it('should redact a whole listed attribute even when one of its sub-attributes is listed too', () => {
    const rules = compileRedactionRules(['name.familyName', 'NAME']);
    expect(redactScimBody({ name: { givenName: 'x' } }, rules)).toEqual({ name: REDACTED });
    expect(rules.attributes).toEqual(['name.familyName', 'NAME']);
  });

  it('should refuse an entry that is not an attribute path, naming it', () => {
    expect(() => compileRedactionRules(['emails[type eq "work"].value'])).toThrow(
      /'emails\[type eq "work"\]\.value' has a value filter/,
    );
    expect(() => compileRedactionRules(['name.familyName.x'])).toThrow(/'name\.familyName\.x' is not an attribute/);
    expect(() => compileRedactionRules(['employee number'])).toThrow(/'employee number' is not an attribute/);
    expect(() => compileRedactionRules([`${ENTERPRISE_USER_SCHEMA}`])).toThrow(/names a whole schema/);
    expect(() => compileRedactionRules([`${ENTERPRISE_USER_SCHEMA}:`])).toThrow(/is not an attribute/);
    expect(compileRedactionRules([' ', 'members.$ref', 'x-custom_1']).attributes).toEqual(['members.$ref', 'x-custom_1']);
  });
});

describe('redactScimBody: what passes through', () => {
  it('should not mutate its input, and return a copy that does not share objects with it', () => {
    const body = { ...entraCreate(), password: 'x', Operations: [{ op: 'replace', path: 'password', value: 'y' }] };
    const before = structuredClone(body);
    const redacted = redactScimBody(body, LISTED) as typeof body;
    expect(body).toEqual(before);
    expect(redacted.name).not.toBe(body.name);
    expect(redacted.roles).not.toBe(body.roles);
    (body.name as { givenName: string }).givenName = 'changed later';
    expect(redacted.name.givenName).toBe('givenName');
  });

  it('should pass through bodies that are not JSON objects: strings, numbers, null, undefined, a Buffer', () => {
    for (const body of ['{"password":"x"}', 42, true, null, undefined, '']) expect(redactScimBody(body, LISTED)).toBe(body);
    const buffer = Buffer.from('x');
    expect(redactScimBody(buffer, LISTED)).toBe(buffer);
  });

  it('should take operations that are not objects, and an Operations that is not an array', () => {
    const body = { Operations: [null, 'x', 1, [{ password: 'secret' }], { op: 'add', path: null, value: { password: 's' } }] };
    expect(redactScimBody(body, LISTED)).toEqual({
      Operations: [null, 'x', 1, [{ password: REDACTED }], { op: 'add', path: null, value: { password: REDACTED } }],
    });
    expect(redactScimBody({ Operations: { password: 'secret' } }, LISTED)).toEqual({ Operations: { password: REDACTED } });
    expect(redactScimBody({ Operations: null }, LISTED)).toEqual({ Operations: null });
  });

  it('should walk a top-level array like any JSON (and still redact a password in it)', () => {
    expect(redactScimBody([1, 'a', { userName: 'u' }], LISTED)).toEqual([1, 'a', { userName: 'u' }]);
    expect(redactScimBody([{ password: 'x' }], LISTED)).toEqual([{ password: REDACTED }]);
  });

  it('should keep a `__proto__` key as data, without changing the copy’s prototype', () => {
    const body = JSON.parse('{"__proto__": {"password": "x", "polluted": true}, "userName": "u"}') as object;
    const redacted = redactScimBody(body, LISTED) as Record<string, unknown>;
    expect(Object.getPrototypeOf(redacted)).toBe(Object.prototype);
    expect(JSON.stringify(redacted)).toBe('{"__proto__":{"password":"[redacted]","polluted":true},"userName":"u"}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('should stop walking JSON nested deeper than any SCIM body, instead of overflowing the stack', () => {
    let deep: unknown = { password: 'secret-deep' };
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const text = JSON.stringify(redactScimBody(deep, LISTED));
    expect(text).not.toContain('secret-');
    expect(text).toContain('[cut: nested deeper than 64 levels]');
  });

  it('should keep a key meaning the same when keys are seen for the first time after many others', () => {
    const many = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));
    expect(redactScimBody(many, LISTED)).toEqual(many);
    expect(redactScimBody({ 'never-seen.password': 'x', fresh: { EMPLOYEENUMBER: '1' } }, LISTED)).toEqual({
      'never-seen.password': REDACTED,
      fresh: { EMPLOYEENUMBER: REDACTED },
    });
  });
});

describe('redactScimText: bodies as text', () => {
  it('should keep a text that names nothing to redact exactly as it came, spacing and mistakes included', () => {
    const patchText = '{ "Operations": [ { "op": "replace", "value": { "active": false } } ] }';
    expect(redactScimText(patchText, NONE)).toBe(patchText);
    expect(redactScimText('{"userName": ', NONE)).toBe('{"userName": ');
    expect(redactScimText('', NONE)).toBe('');
  });

  it("should replace a password key's string in the text itself, in Okta's create body and a PATCH value object", () => {
    const okta = JSON.stringify(oktaCreate(), null, 2);
    const stored = redactScimText(okta, NONE, true);
    expect(stored).not.toContain('secret-okta-create');
    expect(JSON.parse(stored)).toEqual({ ...oktaCreate(), password: REDACTED });
    // Only the value changed: the spacing is the client's.
    expect(stored).toBe(okta.replace('"secret-okta-create"', `"${REDACTED}"`));
    const valueObject = JSON.stringify(patch({ op: 'replace', value: { password: 'secret-a', Password: 'secret-\\"b' } }));
    expect(JSON.parse(redactScimText(valueObject, NONE, true))).toEqual(redactScimBody(JSON.parse(valueObject), NONE));
    // Not known to be valid: parsed, and serialized again.
    expect(redactScimText(okta, NONE)).toBe(JSON.stringify({ ...oktaCreate(), password: REDACTED }));
  });

  it('should parse and redact what the text alone cannot: a PATCH path, an escape, a listed sub-attribute, a non-string value', () => {
    const cases = [
      patch({ op: 'Replace', path: 'password', value: 'secret-1' }),
      patch({ op: 'replace', path: `${CORE_USER_SCHEMA}:password`, value: 'secret-2' }),
      { password: { nested: 'secret-3' } },
      { name: { familyName: 'secret-4' }, emails: ['secret-5@example.com'] },
    ];
    for (const body of cases) {
      const stored = redactScimText(JSON.stringify(body), LISTED, true);
      expect(stored).not.toContain('secret-');
      expect(JSON.parse(stored)).toEqual(redactScimBody(body, LISTED));
    }
    // JSON may spell a key with escapes: "\u0070assword" is password.
    const escaped = '{"\\u0070assword": "secret-6", "userName": "a"}';
    expect(JSON.parse(escaped)).toEqual({ password: 'secret-6', userName: 'a' });
    expect(redactScimText(escaped, NONE, true)).not.toContain('secret-6');
    expect(JSON.parse(redactScimText(escaped, NONE, true))).toEqual({ password: REDACTED, userName: 'a' });
  });

  it('should withhold a text that is not JSON and names password, keeping only its size', () => {
    // A quote in the password is a likely way to break the JSON: its string would end early.
    const broken = '{"userName": "a", "password": "secret"-7"}';
    expect(redactScimText(broken, NONE)).toBe(
      `[withheld: ${broken.length} bytes that are not valid JSON and name a redacted attribute]`,
    );
    expect(redactScimText('password=secret-8', NONE)).not.toContain('secret-8');
  });

  it('should give what redactScimBody gives, for any JSON with passwords, however it is spaced (property)', () => {
    const key = fc.constantFrom(
      'password',
      'Password',
      'userName',
      'value',
      'path',
      'op',
      'Operations',
      'name',
      `${CORE_USER_SCHEMA}:password`,
    );
    const json = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string({ maxLength: 6 }).map((s) => `secret-${s}`),
        fc.constantFrom('password', 'Password', null, 1, true),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(key, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, fc.constantFrom(undefined, 2), (input, space) => {
        for (const rules of [NONE, LISTED]) {
          for (const valid of [true, false]) {
            const stored = redactScimText(JSON.stringify(input, null, space) ?? '', rules, valid);
            expect(JSON.parse(stored)).toEqual(redactScimBody(input, rules));
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('redactScimQuery: filters and query strings', () => {
  const query = (filter: string) => `filter=${encodeURIComponent(filter)}&count=10`;
  const filterOf = (stored: string) => new URLSearchParams(stored).get('filter');

  it('should keep a query that names nothing to redact exactly as it came', () => {
    const okta = 'filter=userName+eq+%22a%40example.com%22&startIndex=1&count=100';
    expect(redactScimQuery(okta, NONE)).toBe(okta);
    expect(redactScimQuery(okta, LISTED)).toBe(okta);
    expect(redactScimQuery('', NONE)).toBe('');
  });

  it('should redact the literals a filter compares with password or a listed attribute, in every form', () => {
    const cases: Array<[string, string]> = [
      ['password eq "secret-1"', `password eq "${REDACTED}"`],
      ['userName eq "a" and Password eq "secret-2"', `userName eq "a" and Password eq "${REDACTED}"`],
      [`${CORE_USER_SCHEMA}:password eq "secret-3"`, `${CORE_USER_SCHEMA}:password eq "${REDACTED}"`],
      ['name.familyName sw "secret-4"', `name.familyName sw "${REDACTED}"`],
      ['emails[type eq "work" and value co "secret-5"]', `emails[type eq "work" and value co "${REDACTED}"]`],
      ['emails.value eq "secret-6" or emails eq "secret-7"', `emails.value eq "${REDACTED}" or emails eq "${REDACTED}"`],
      [`${ENTERPRISE_USER_SCHEMA}:employeeNumber eq 8`, `${ENTERPRISE_USER_SCHEMA}:employeeNumber eq "${REDACTED}"`],
      [
        'not (phoneNumbers[value eq "secret-9"]) and title eq "a[b]"',
        `not (phoneNumbers[value eq "${REDACTED}"]) and title eq "a[b]"`,
      ],
      ['userName eq "password eq x"', 'userName eq "password eq x"'],
    ];
    for (const [filter, expected] of cases) expect(filterOf(redactScimQuery(query(filter), LISTED))).toBe(expected);
  });

  it("should redact a SearchRequest's filter (POST /.search) as a query's", () => {
    const search = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'password eq "secret-13"',
      count: 1,
    };
    expect(redactScimBody(search, NONE)).toEqual({ ...search, filter: `password eq "${REDACTED}"` });
    expect(redactScimText(JSON.stringify(search), NONE, true)).not.toContain('secret-13');
    const discovery = { filter: { supported: true, maxResults: 200 } };
    expect(redactScimBody(discovery, NONE)).toEqual(discovery);
  });

  it('should withhold whole a filter that names a redacted attribute but is not well-formed', () => {
    for (const filter of [
      'emails[value eq "secret-14"',
      'password eq "secret-15" and (',
      'password eq "secret-16',
      'name.familyName eq secret 17',
    ]) {
      expect(filterOf(redactScimQuery(query(filter), LISTED))).toBe(REDACTED);
    }
    // Naming nothing to redact, a malformed filter is kept: it is what support looks for.
    expect(filterOf(redactScimQuery(query('userName eq "a" and ('), NONE))).toBe('userName eq "a" and (');
  });

  it('should redact a value filter whose brackets hold a "]" in a string', () => {
    expect(filterOf(redactScimQuery(query('emails[value eq "a]secret-10"]'), LISTED))).toBe(`emails[value eq "${REDACTED}"]`);
  });

  it('should redact unknown parameters that name a redacted attribute, and scrub every value', () => {
    const stored = redactScimQuery('password=secret-11&x=password%3Asecret-12&count=5&token=k-1', NONE, (v) =>
      v.replace('k-1', 'gone'),
    );
    expect(stored).not.toMatch(/secret-|k-1/);
    expect([...new URLSearchParams(stored)]).toEqual([
      ['password', REDACTED],
      ['x', REDACTED],
      ['count', '5'],
      ['token', 'gone'],
    ]);
  });
});

describe('cutBody', () => {
  const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

  it('should return a text within the limit as it is, up to the byte', () => {
    expect(cutBody('')).toBe('');
    expect(cutBody('a'.repeat(MAX_RECORDED_BODY_BYTES))).toBe('a'.repeat(MAX_RECORDED_BODY_BYTES));
    expect(cutBody('é'.repeat(10), 20)).toBe('é'.repeat(10));
    expect(cutBody('🚀'.repeat(5), 20)).toBe('🚀'.repeat(5));
  });

  it('should cut ASCII to the limit, marker included, and say how many bytes were cut', () => {
    const text = 'a'.repeat(MAX_RECORDED_BODY_BYTES + 12_345);
    const cut = cutBody(text);
    expect(bytes(cut)).toBeLessThanOrEqual(MAX_RECORDED_BODY_BYTES);
    const kept = cut.indexOf('…');
    expect(cut.slice(kept)).toBe(`…[cut: ${(text.length - kept).toLocaleString('en-US')} more bytes]`);
    expect(kept).toBe(MAX_RECORDED_BODY_BYTES - bytes(cut.slice(kept)));
    expect(cutBody('abcdefghijklmnopqrstuvwxyz0123456789', 30)).toBe('abcdefg…[cut: 29 more bytes]');
  });

  it('should never split a multi-byte character or a surrogate pair at the boundary', () => {
    // The marker '…[cut: NN more bytes]' is 23 bytes: a limit of 27 leaves 4 bytes of text, 25 leaves 2.
    expect(cutBody('aé' + 'x'.repeat(30), 25)).toBe('a…[cut: 32 more bytes]');
    expect(cutBody('aaé' + 'x'.repeat(30), 27)).toBe('aaé…[cut: 30 more bytes]');
    expect(cutBody('a€' + 'x'.repeat(30), 27)).toBe('a€…[cut: 30 more bytes]');
    expect(cutBody('aa€' + 'x'.repeat(30), 27)).toBe('aa…[cut: 33 more bytes]');
    expect(cutBody('🚀🚀' + 'x'.repeat(30), 28)).toBe('🚀…[cut: 34 more bytes]');
    expect(cutBody('a🚀' + 'x'.repeat(30), 27)).toBe('a…[cut: 34 more bytes]');
    expect(cutBody('🚀', 3)).toBe('…[cut: 4 more bytes]'); // smaller than the marker: the marker alone
  });

  it('should keep every cut well-formed and within the limit, whatever the text (property)', () => {
    const unit = fc.constantFrom('a', 'é', '€', '🚀', '👩‍👩‍👧', '\ud800');
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 60 }), fc.integer({ min: 0, max: 120 }), (units, max) => {
        const text = units.join('');
        const cut = cutBody(text, max);
        if (Buffer.byteLength(text, 'utf8') <= max) return expect(cut).toBe(text);
        const at = cut.lastIndexOf('…[cut: ');
        const kept = cut.slice(0, at);
        expect(text.startsWith(kept)).toBe(true);
        expect(/[\ud800-\udbff]$/.test(kept) && /^[\udc00-\udfff]/.test(text.slice(kept.length))).toBe(false);
        const cutBytes = Buffer.byteLength(text, 'utf8') - Buffer.byteLength(kept, 'utf8');
        expect(cut.slice(at)).toBe(`…[cut: ${cutBytes.toLocaleString('en-US')} more bytes]`);
        if (max >= 30) expect(Buffer.byteLength(cut, 'utf8')).toBeLessThanOrEqual(max);
      }),
      { numRuns: 500 },
    );
  });
});

describe('scimClientOf', () => {
  it('should tell Okta, Entra and others apart from the User-Agent', () => {
    expect(scimClientOf('Okta SCIM Client 1.0.0')).toBe('okta');
    expect(scimClientOf('okta scim client')).toBe('okta');
    expect(scimClientOf('Microsoft Azure AD SCIM provisioning 1.0.0')).toBe('entra');
    expect(scimClientOf('Microsoft Entra ID provisioning')).toBe('entra');
    expect(scimClientOf('AzureAD-SCIM/2.0')).toBe('entra');
    expect(scimClientOf('Entra SCIM')).toBe('entra');
    expect(scimClientOf('curl/8.5.0')).toBe('other');
    expect(scimClientOf('Central SCIM Sync/1.0')).toBe('other');
    expect(scimClientOf('')).toBe('other');
    expect(scimClientOf(undefined)).toBe('other');
  });
});
