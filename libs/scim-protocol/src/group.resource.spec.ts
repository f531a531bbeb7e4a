import { parseGroupInput, parseGroupPatch } from './group.resource';
import { ScimError } from './scim-error';
import { PATCH_OP_SCHEMA } from './user.schema';

function error(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ScimError);
    return e as ScimError;
  }
  throw new Error('expected a ScimError');
}

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP_SCHEMA], Operations });

describe('Group strings', () => {
  it('should refuse control characters in displayName and externalId, line breaks at the end included (not trimmed away)', () => {
    for (const [body, label] of [
      [{ displayName: 'Team\u0007' }, 'displayName'],
      [{ displayName: 'Team\n' }, 'displayName'],
      [{ displayName: '\tTeam' }, 'displayName'],
      [{ displayName: 'Team', externalId: 'e\u007f' }, 'externalId'],
    ] as const) {
      const e = error(() => parseGroupInput(body));
      expect({ body, scimType: e.scimType, detail: e.detail }).toEqual({
        body,
        scimType: 'invalidValue',
        detail: expect.stringMatching(new RegExp(`^${label} must not contain control characters`)),
      });
    }
    expect(parseGroupInput({ displayName: '  Team  ' }).displayName).toBe('Team');
  });

  it('should refuse directional overrides in displayName, not in externalId', () => {
    expect(error(() => parseGroupInput({ displayName: 'Admins\u202e' })).detail).toMatch(
      /^displayName must not contain directional/,
    );
    expect(parseGroupInput({ displayName: 'Admins', externalId: 'x\u2066' }).externalId).toBe('x\u2066');
  });

  it('should refuse a lone surrogate, and take emoji', () => {
    expect(error(() => parseGroupInput({ displayName: 'Team\ud800' })).detail).toMatch(
      /^displayName must be well-formed Unicode text/,
    );
    expect(parseGroupInput({ displayName: 'Team🚀' }).displayName).toBe('Team🚀');
  });

  it('should check the text of a PATCH with and without a path', () => {
    for (const operation of [
      { op: 'replace', path: 'displayName', value: 'Team\u0000' },
      { op: 'replace', value: { displayName: 'Team\r' } },
      { op: 'replace', value: { displayName: '\u2067Team' } },
      { op: 'add', path: 'externalId', value: 'e\u0001' },
    ]) {
      expect(error(() => parseGroupPatch(patch(operation))).scimType).toBe('invalidValue');
    }
    expect(parseGroupPatch(patch({ op: 'replace', value: { displayName: 'Résumé 🚀' } }))).toEqual([
      { op: 'set', displayName: 'Résumé 🚀' },
    ]);
  });
});
