import { generateKey, hashKey, maskKey, parseKey, scrubKeys } from './api-key.format';

describe('API key format', () => {
  it('should generate keys with the type prefix, 43 random characters and a checksum', () => {
    const key = generateKey('scim');
    expect(key).toMatch(/^torii_scim_[0-9A-Za-z]{49}$/);
    expect(parseKey(key)).toBe('scim');
    expect(parseKey(generateKey('api'))).toBe('api');
  });

  it('should never generate the same key twice', () => {
    const keys = new Set(Array.from({ length: 2000 }, () => generateKey('api')));
    expect(keys.size).toBe(2000);
  });

  it('should refuse a key with any single character changed', () => {
    const key = generateKey('api');
    for (let i = 'torii_api_'.length; i < key.length; i++) {
      const replacement = key[i] === 'a' ? 'b' : 'a';
      expect(parseKey(key.slice(0, i) + replacement + key.slice(i + 1))).toBeNull();
    }
  });

  it('should refuse truncated, extended, re-prefixed and empty keys', () => {
    const key = generateKey('scim');
    expect(parseKey(key.slice(0, -1))).toBeNull();
    expect(parseKey(`${key}x`)).toBeNull();
    expect(parseKey(key.replace('torii_scim_', 'torii_api_'))).toBeNull();
    expect(parseKey('')).toBeNull();
    expect(parseKey(' '.repeat(60))).toBeNull();
  });

  it('should hash deterministically without keeping the plaintext', () => {
    const key = generateKey('api');
    expect(hashKey(key)).toBe(hashKey(key));
    expect(hashKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashKey(key)).not.toContain(key.slice(10, 20));
  });

  it('should mask with the type prefix and the last four characters', () => {
    expect(maskKey('scim', 'Ab12')).toBe('torii_scim_…Ab12');
  });

  it('should scrub keys, whole or cut short, out of any text, and leave other text as it is', () => {
    const scim = generateKey('scim');
    const api = generateKey('api');
    const text = `{"note": "${scim}", "x": "Bearer ${api.slice(0, 20)}"} torii_ torii_other_abc`;
    const scrubbed = scrubKeys(text);
    expect(scrubbed).toBe('{"note": "torii_scim_[redacted]", "x": "Bearer torii_api_[redacted]"} torii_ torii_other_abc');
    expect(scrubbed).not.toContain(scim.slice(11, 20));
    const plain = '{"userName": "a@b.c"}';
    expect(scrubKeys(plain)).toBe(plain);
  });
});
