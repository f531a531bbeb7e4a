import { ScimError } from './scim-error';
import { assertText, describeTextProblem, findLoneSurrogate, findTextProblem, hasDirectionalFormatting, TextKind } from './text';

const KINDS: TextKind[] = ['line', 'multiLine', 'identifier'];
const C0 = Array.from({ length: 0x20 }, (_, code) => String.fromCharCode(code));
const LINE_BREAKS = ['\t', '\n', '\r'];
const DIRECTIONAL = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];

describe('findTextProblem', () => {
  it('should refuse every C0 control character and DEL in every kind, but tab, LF and CR in multi-line text', () => {
    for (const kind of KINDS) {
      for (const c of [...C0, '\u007f']) {
        const allowed = kind === 'multiLine' && LINE_BREAKS.includes(c);
        expect({ kind, c, problem: findTextProblem(`a${c}b`, kind) }).toEqual({
          kind,
          c,
          problem: allowed ? undefined : { kind: 'control', codeUnit: c.charCodeAt(0), index: 1 },
        });
      }
    }
  });

  it('should refuse a lone surrogate in every kind, high or low, at either end, and a pair in the wrong order', () => {
    for (const kind of KINDS) {
      for (const [text, codeUnit, index] of [
        ['\ud800', 0xd800, 0],
        ['a\udbff', 0xdbff, 1],
        ['\udc00a', 0xdc00, 0],
        ['ab\udfff', 0xdfff, 2],
        ['\ude80\ud83d', 0xde80, 0],
        ['\ud83d\ud83d\ude80', 0xd83d, 0],
        ['🚀\udc00', 0xdc00, 2],
      ] as const) {
        expect(findTextProblem(text, kind)).toEqual({ kind: 'surrogate', codeUnit, index });
      }
    }
  });

  it('should take well-formed text: pairs (emoji), accents, C1 controls, other format characters', () => {
    for (const kind of KINDS) {
      for (const text of ['Team🚀', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'Résumé', 'e\u0301', 'a\u0085b', 'zero\u200bwidth', 'x\u200ey', '']) {
        expect({ kind, text, problem: findTextProblem(text, kind) }).toEqual({ kind, text, problem: undefined });
      }
    }
  });

  it('should refuse directional overrides and isolates in identifiers only', () => {
    for (const c of DIRECTIONAL) {
      expect(findTextProblem(`admin${c}`, 'identifier')).toEqual({ kind: 'directional', codeUnit: c.charCodeAt(0), index: 5 });
      expect(findTextProblem(`admin${c}`, 'line')).toBeUndefined();
      expect(findTextProblem(`admin${c}`, 'multiLine')).toBeUndefined();
      expect(hasDirectionalFormatting(c)).toBe(true);
    }
    // The marks next to the ranges are not formatting that reorders text.
    for (const c of ['\u200e', '\u200f', '\u2029', '\u206a']) expect(findTextProblem(c, 'identifier')).toBeUndefined();
    expect(hasDirectionalFormatting('plain')).toBe(false);
  });

  it('should report the first problem of the string, whatever its kind', () => {
    expect(findTextProblem('a\u202eb\u0000', 'identifier')).toEqual({ kind: 'directional', codeUnit: 0x202e, index: 1 });
    expect(findTextProblem('a\ud800\u0000', 'line')).toEqual({ kind: 'surrogate', codeUnit: 0xd800, index: 1 });
  });
});

describe('findLoneSurrogate', () => {
  it('should find only lone surrogates, not control characters', () => {
    expect(findLoneSurrogate('a\u0000b')).toBeUndefined();
    expect(findLoneSurrogate('🚀')).toBeUndefined();
    expect(findLoneSurrogate('x\udc00')).toEqual({ kind: 'surrogate', codeUnit: 0xdc00, index: 1 });
  });
});

describe('describeTextProblem and assertText', () => {
  it('should name the attribute, the character and where it is', () => {
    expect(describeTextProblem('name.givenName', { kind: 'control', codeUnit: 7, index: 2 }, 'line')).toBe(
      'name.givenName must not contain control characters, tabs and line breaks included (it holds U+0007 at position 3).',
    );
    expect(describeTextProblem('addresses[0].formatted', { kind: 'control', codeUnit: 0, index: 0 }, 'multiLine')).toBe(
      'addresses[0].formatted must not contain control characters other than tab, line feed and carriage return (it holds U+0000 at position 1).',
    );
    expect(describeTextProblem('userName', { kind: 'directional', codeUnit: 0x202e, index: 0 }, 'identifier')).toMatch(
      /^userName must not contain directional formatting characters \(it holds U\+202E at position 1\)/,
    );
    expect(describeTextProblem('title', { kind: 'surrogate', codeUnit: 0xd800, index: 4 }, 'line')).toMatch(
      /^title must be well-formed Unicode text: it holds a lone UTF-16 surrogate \(U\+D800 at position 5\)/,
    );
  });

  it('should throw a ScimError invalidValue with that sentence, and nothing for good text', () => {
    expect(() => assertText('Ann', 'line', 'name.givenName')).not.toThrow();
    let thrown: unknown;
    try {
      assertText('Ann\u0007', 'line', 'name.givenName');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ScimError);
    expect(thrown).toMatchObject({
      status: 400,
      scimType: 'invalidValue',
      detail: expect.stringMatching(/^name\.givenName must not/),
    });
  });
});
