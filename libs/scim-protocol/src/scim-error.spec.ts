import { ScimError, isScimError } from './scim-error';
import { parseDateTime, toSqlDateTime } from './datetime';

describe('ScimError', () => {
  it('should render the SCIM error body with the status as a string', () => {
    const e = ScimError.invalidFilter('Invalid filter: unknown attribute fooBar.');
    expect(e).toBeInstanceOf(Error);
    expect(isScimError(e)).toBe(true);
    expect(e.status).toBe(400);
    expect(e.message).toBe(e.detail);
    expect(e.toBody()).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '400',
      scimType: 'invalidFilter',
      detail: 'Invalid filter: unknown attribute fooBar.',
    });
  });

  it('should leave scimType out when there is none', () => {
    expect(new ScimError(404, 'User 42 not found.').toBody()).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '404',
      detail: 'User 42 not found.',
    });
    expect(ScimError.uniqueness('taken').toBody()).toMatchObject({ status: '409', scimType: 'uniqueness' });
    expect(isScimError(new Error('x'))).toBe(false);
  });
});

describe('parseDateTime', () => {
  it.each<[string, string | undefined]>([
    ['2024-05-01', '2024-05-01T00:00:00.000Z'],
    ['2024-05-01T10:20:30Z', '2024-05-01T10:20:30.000Z'],
    ['2024-05-01T10:20:30.123456Z', '2024-05-01T10:20:30.123Z'],
    ['2024-05-01T10:20:30+02:00', '2024-05-01T08:20:30.000Z'],
    ['2024-05-01T01:00:00-0130', '2024-05-01T02:30:00.000Z'],
    ['2024-05-01 10:20', '2024-05-01T10:20:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['0099-01-01', '0099-01-01T00:00:00.000Z'],
    ['2023-02-29', undefined],
    ['2024-13-01', undefined],
    ['2024-05-01T24:00:00Z', undefined],
    ['2024-05-01T10:20:30+25:00', undefined],
    ['yesterday', undefined],
    ['1', undefined],
    ['', undefined],
  ])('%j', (text, expected) => {
    expect(parseDateTime(text)).toBe(expected);
  });

  it('should give the SQL text form', () => {
    expect(toSqlDateTime('2024-05-01T08:20:30.120Z')).toBe('2024-05-01 08:20:30.120');
  });
});
