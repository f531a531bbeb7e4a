import { attributeAccessor, checkLength, sqlColumn } from './scim-columns';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('attributeAccessor', () => {
  it('should read and write each shape of canonical path, creating containers only on write', () => {
    const resource: Record<string, unknown> = {};
    const cases: Array<[string, unknown]> = [
      ['displayName', 'Ada'],
      ['name.givenName', 'Ada'],
      [`${ENT}:department`, 'R&D'],
      [`${ENT}:manager.value`, '42'],
    ];
    for (const [path] of cases) expect(attributeAccessor(path).get(resource)).toBeUndefined();
    expect(resource).toEqual({});
    for (const [path, value] of cases) attributeAccessor(path).set(resource, value);
    expect(resource).toEqual({
      displayName: 'Ada',
      name: { givenName: 'Ada' },
      [ENT]: { department: 'R&D', manager: { value: '42' } },
    });
    for (const [path, value] of cases) expect(attributeAccessor(path).get(resource)).toBe(value);
    expect(attributeAccessor(`${ENT}:manager.value`)).toMatchObject({ schema: ENT, attribute: 'manager', subAttribute: 'value' });
    expect(attributeAccessor('members.value')).toMatchObject({ schema: null, attribute: 'members', subAttribute: 'value' });
  });

  it('should refuse what is not a canonical path', () => {
    for (const path of ['', 'a.b.c', '.x', 'x.', 'urn:only']) expect(() => attributeAccessor(path)).toThrow(/canonical/);
  });
});

describe('sqlColumn and checkLength', () => {
  const name = (property: string) => `"${property.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}"`;

  it('should qualify columns, keep the lower-cased twin, and mark booleans as absent when false', () => {
    expect(sqlColumn('u', { property: 'displayName', path: 'displayName', type: 'string' }, name)).toBe('u."display_name"');
    expect(
      sqlColumn(null, { property: 'value', path: 'value', type: 'string', lowerProperty: 'valueLower', lowerMaxLength: 9 }, name),
    ).toEqual({ column: '"value"', lowerColumn: '"value_lower"', lowerMaxLength: 9 });
    expect(sqlColumn(null, { property: 'primary', path: 'primary', type: 'boolean' }, name)).toEqual({
      column: '"primary"',
      falseIsAbsent: true,
    });
  });

  it('should refuse a value longer than the column in code points, naming the attribute', () => {
    const spec = { property: 'title', path: 'title', type: 'string' as const, maxLength: 3 };
    expect(() => checkLength(spec, 'abc', 'title')).not.toThrow();
    expect(() => checkLength(spec, '😀😀😀', 'title')).not.toThrow();
    expect(() => checkLength(spec, 'abcd', 'title')).toThrow('title must be at most 3 characters.');
    expect(() => checkLength({ ...spec, maxLength: undefined }, 'x'.repeat(10_000), 'title')).not.toThrow();
  });
});
