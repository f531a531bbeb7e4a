import { loneSurrogateIn, MAX_JSON_DEPTH, scanJson } from './json-body';

describe('scanJson', () => {
  it('should tell a body nested deeper than the limit, brackets in strings not counted', () => {
    expect(scanJson('['.repeat(65) + ']'.repeat(65), MAX_JSON_DEPTH).tooDeep).toBe(true);
    expect(scanJson('['.repeat(64) + ']'.repeat(64), MAX_JSON_DEPTH).tooDeep).toBe(false);
    expect(scanJson(`{"a":"${'['.repeat(100)}"}`, MAX_JSON_DEPTH).tooDeep).toBe(false);
    expect(scanJson(`{"a":"\\"${'['.repeat(100)}"}`, MAX_JSON_DEPTH).tooDeep).toBe(false);
  });

  it('should tell a string that escapes a surrogate, in either case, and nothing else', () => {
    for (const text of ['"\\ud800"', '"\\uD83D\\uDE80"', '{"a":["x\\udfff"]}', '"\\uDbFf"', '{"\\udc00":1}']) {
      expect({ text, escapes: scanJson(text, MAX_JSON_DEPTH).surrogateEscapes }).toEqual({ text, escapes: true });
    }
    // \u escapes of other characters, an escaped backslash before "ud800", the letters outside a string.
    for (const text of ['"\\u00e9\\u0041"', '"\\ud7ff\\ue000"', '"\\\\ud800"', '{"a":1}', 'ud800', '"\\n\\t"', '"🚀"']) {
      expect({ text, escapes: scanJson(text, MAX_JSON_DEPTH).surrogateEscapes }).toEqual({ text, escapes: false });
    }
  });
});

describe('loneSurrogateIn', () => {
  it('should name the first string that holds one by its path', () => {
    expect(loneSurrogateIn({ userName: 'u\ud800@x.test' })).toEqual({
      field: 'userName',
      problem: { kind: 'surrogate', codeUnit: 0xd800, index: 1 },
    });
    expect(loneSurrogateIn({ a: 'ok', emails: [{ value: 'ok' }, { value: '\udc00' }] })?.field).toBe('emails[1].value');
    expect(loneSurrogateIn({ Operations: [{ op: 'add', value: { name: { givenName: 'x\udbff' } } }] })?.field).toBe(
      'Operations[0].value.name.givenName',
    );
    expect(loneSurrogateIn(['\ud800'])?.field).toBe('[0]');
    expect(loneSurrogateIn('\ud800')?.field).toBe('the body');
  });

  it('should look at member names too', () => {
    expect(loneSurrogateIn({ ['x\ud800']: 1 })?.field).toBe('a member name');
    expect(loneSurrogateIn({ name: { ['\udc00']: 'a' } })?.field).toBe('a member name in name');
  });

  it('should find nothing in well-formed text, emoji included', () => {
    expect(loneSurrogateIn({ title: 'Team🚀', n: 1, b: true, z: null, list: ['é', { x: '𝔘' }] })).toBeUndefined();
  });
});
