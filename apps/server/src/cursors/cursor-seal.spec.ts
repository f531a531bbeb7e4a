import { createSecretKey, randomBytes } from 'node:crypto';
import { openCursor, sealCursor } from './cursor-seal';

describe('sealed cursors', () => {
  const key = createSecretKey(randomBytes(32));

  it('should open what it sealed, in the same scope, to the same numbers', () => {
    const cursor = sealCursor(key, 'Users\u00001\u0000null', [42, 1767225600]);
    expect(cursor).toMatch(/^42\.1767225600\.[A-Za-z0-9_-]{22}$/);
    expect(openCursor(key, 'Users\u00001\u0000null', cursor)).toEqual([42, 1767225600]);
    expect(openCursor(key, 'admin users 7', sealCursor(key, 'admin users 7', [0]))).toEqual([0]);
  });

  it('should refuse a cursor of another scope, another key, or with any character changed', () => {
    const cursor = sealCursor(key, 'admin users 7', [1234]);
    expect(openCursor(key, 'admin users 8', cursor)).toBeNull();
    expect(openCursor(key, 'admin groups 7', cursor)).toBeNull();
    expect(openCursor(createSecretKey(randomBytes(32)), 'admin users 7', cursor)).toBeNull();
    for (let i = 0; i < cursor.length; i++) {
      for (const c of ['0', '9', 'A', '_', '.']) {
        if (cursor[i] === c) continue;
        const altered = cursor.slice(0, i) + c + cursor.slice(i + 1);
        expect(openCursor(key, 'admin users 7', altered)).toBeNull();
      }
    }
  });

  it('should refuse made-up cursors, including the forms this server used to give', () => {
    for (const made of [
      '',
      '1234',
      '1234.',
      Buffer.from('id:1234').toString('base64url'),
      Buffer.from('1234.abcdefghijkl').toString('base64url'),
      `1234.${'A'.repeat(22)}`,
      `1234.5.6.7.8.${sealCursor(key, 's', [1]).split('.')[1]}`,
      `${'9'.repeat(16)}.${'A'.repeat(22)}`,
    ]) {
      expect(openCursor(key, 's', made)).toBeNull();
    }
  });
});
