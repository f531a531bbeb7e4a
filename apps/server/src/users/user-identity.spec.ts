import { AppError } from '../common/app-error';
import { nameAttributes, validFullName, withIdentity } from './user-identity';

describe('a user identity typed by a person', () => {
  it('should split a full name at its last word, collapsing spaces', () => {
    expect(nameAttributes('  Ada   King Lovelace ')).toEqual({
      displayName: 'Ada King Lovelace',
      name: { formatted: 'Ada King Lovelace', givenName: 'Ada King', familyName: 'Lovelace' },
    });
    expect(nameAttributes('Plato')).toEqual({ displayName: 'Plato', name: { formatted: 'Plato', givenName: 'Plato' } });
    expect(nameAttributes(null)).toEqual({});
    expect(nameAttributes('   ')).toEqual({});
  });

  it('should move the primary email with the address, and keep the other emails and attributes', () => {
    const current = {
      userName: 'old@x.test',
      title: 'Engineer',
      emails: [
        { value: 'home@x.test', type: 'home' },
        { value: 'old@x.test', type: 'work', primary: true },
      ],
    };
    expect(withIdentity(current, { email: 'new@x.test' })).toEqual({
      userName: 'new@x.test',
      title: 'Engineer',
      emails: [
        { value: 'home@x.test', type: 'home' },
        { value: 'new@x.test', type: 'work', primary: true },
      ],
    });
    expect(current.emails[1].value).toBe('old@x.test');
  });

  it('should take the email equal to the old address when none is primary, and add a primary work email when none is', () => {
    expect(
      withIdentity({ userName: 'old@x.test', emails: [{ value: 'OLD@x.test', type: 'work' }] }, { email: 'new@x.test' }).emails,
    ).toEqual([{ value: 'new@x.test', type: 'work' }]);
    expect(withIdentity({ userName: 'old@x.test', emails: [{ value: 'other@x.test' }] }, { email: 'new@x.test' }).emails).toEqual(
      [{ value: 'new@x.test', type: 'work', primary: true }, { value: 'other@x.test' }],
    );
    expect(withIdentity({ userName: 'old@x.test' }, { email: 'new@x.test' }).emails).toEqual([
      { value: 'new@x.test', type: 'work', primary: true },
    ]);
  });

  it('should replace every part of the name, or clear them with null, leaving the address alone', () => {
    const current = {
      userName: 'a@x.test',
      displayName: 'Old',
      name: { formatted: 'Old Name', givenName: 'Old', familyName: 'Name', honorificPrefix: 'Dr.' },
    };
    expect(withIdentity(current, { name: 'Ada Lovelace' })).toEqual({
      userName: 'a@x.test',
      displayName: 'Ada Lovelace',
      name: { formatted: 'Ada Lovelace', givenName: 'Ada', familyName: 'Lovelace' },
    });
    expect(withIdentity(current, { name: null })).toEqual({ userName: 'a@x.test' });
    expect(withIdentity(current, {})).toEqual(current);
  });

  it('should take a full name of 1 to 255 characters on one line, and say why otherwise', () => {
    expect(validFullName('  Ada \u00a0Lovelace ')).toBe('Ada Lovelace');
    expect(validFullName('🚀'.repeat(255))).toHaveLength(510);
    const refusal = (raw: string) => {
      try {
        validFullName(raw);
      } catch (error) {
        return { status: (error as AppError).getStatus(), message: (error as AppError).message };
      }
      throw new Error(`${JSON.stringify(raw)} was taken`);
    };
    expect(refusal('')).toEqual({
      status: 400,
      message: 'name must be 1 to 255 characters (spaces at either end are not counted); got 0.',
    });
    expect(refusal('n'.repeat(256)).message).toMatch(/got 256\.$/);
    expect(refusal('Ada\nLovelace').message).toMatch(/^name must not contain control characters, tabs and line breaks included/);
    expect(refusal('Ada\ud800').message).toMatch(/^name must be well-formed Unicode text/);
  });
});
