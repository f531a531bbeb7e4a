import { GroupChange, MAX_MEMBERS_PER_REQUEST, parseGroupInput, parseGroupPatch } from './group.resource';
import { ScimError } from './scim-error';
import { MAX_PATCH_OPERATIONS, PATCH_OP_SCHEMA } from './user.schema';

const patch = (Operations: unknown[]) => parseGroupPatch({ schemas: [PATCH_OP_SCHEMA], Operations });
const add = (...values: string[]) => ({ op: 'add', path: 'members', value: values.map((value) => ({ value })) });
const remove = (...values: string[]) => ({ op: 'remove', path: 'members', value: values.map((value) => ({ value })) });

function refusal(read: () => unknown): ScimError {
  try {
    read();
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('parseGroupInput and parseGroupPatch', () => {
  it('should keep member values as sent: an id is matched exactly, never trimmed', () => {
    expect(parseGroupInput({ displayName: 'G', members: [{ value: ' 5' }, { value: '8 ' }, { value: '08' }] }).members).toEqual([
      ' 5',
      '8 ',
      '08',
    ]);
    expect(patch([add(' 5', '5')])).toEqual([{ op: 'addMembers', ids: [' 5', '5'] }]);
    // A JSON number is read as the id it spells; an empty value names nothing.
    expect(patch([{ op: 'add', path: 'members', value: [{ value: 8 }] }])).toEqual([{ op: 'addMembers', ids: ['8'] }]);
    expect(refusal(() => patch([add('')])).scimType).toBe('invalidValue');
  });

  it(`should refuse more than ${MAX_PATCH_OPERATIONS} operations with tooMany and a sentence`, () => {
    const ops = (n: number) => Array.from({ length: n }, (_, i) => add(String(i + 1)));
    expect(patch(ops(MAX_PATCH_OPERATIONS))).toHaveLength(1);
    const refused = refusal(() => patch(ops(MAX_PATCH_OPERATIONS + 1)));
    expect(refused.status).toBe(400);
    expect(refused.scimType).toBe('tooMany');
    expect(refused.detail).toBe(
      'The PATCH has 101 operations; this server applies at most 100 in one request. Send the rest in another PATCH, or several members in one operation.',
    );
  });

  it(`should refuse more than ${MAX_MEMBERS_PER_REQUEST.toLocaleString('en-US')} members in one request, all operations together`, () => {
    const ids = (from: number, n: number) => Array.from({ length: n }, (_, i) => String(from + i));
    expect(patch([add(...ids(1, MAX_MEMBERS_PER_REQUEST))])[0]).toMatchObject({ op: 'addMembers' });
    const refused = refusal(() => patch([add(...ids(1, 6_000)), remove(...ids(6_001, 4_001))]));
    expect(refused.scimType).toBe('tooMany');
    expect(refused.detail).toBe(
      'The PATCH names 10,001 members; this server takes at most 10,000 in one request. Send the rest in another PATCH.',
    );
    const input = refusal(() => parseGroupInput({ displayName: 'G', members: ids(1, 10_001).map((value) => ({ value })) }));
    expect(input.scimType).toBe('tooMany');
    expect(input.detail).toContain('The group names 10,001 members');
  });

  it('should read consecutive additions (or removals) of members as one change, in order', () => {
    const ones = Array.from({ length: 100 }, (_, i) => add(String(i + 1)));
    expect(patch(ones)).toEqual([{ op: 'addMembers', ids: Array.from({ length: 100 }, (_, i) => String(i + 1)) }]);
    const mixed: GroupChange[] = patch([
      add('1'),
      add('2', '1'),
      remove('3'),
      { op: 'remove', path: 'members[value eq "4"]' },
      { op: 'replace', value: { displayName: 'Renamed' } },
      add('5'),
      add('6'),
      { op: 'remove', path: 'members' },
      add('7'),
    ]);
    expect(mixed).toEqual([
      { op: 'addMembers', ids: ['1', '2'] },
      { op: 'removeMembers', ids: ['3', '4'] },
      { op: 'set', displayName: 'Renamed' },
      { op: 'addMembers', ids: ['5', '6'] },
      { op: 'removeAllMembers' },
      { op: 'addMembers', ids: ['7'] },
    ]);
  });
});
