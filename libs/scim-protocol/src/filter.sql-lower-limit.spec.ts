import { filterToSql, SqlMapping } from './filter.sql';
import { parseFilter } from './filter.parser';

const mapping: SqlMapping = {
  id: 'u.id',
  columns: { userName: { column: 'u.user_name', lowerColumn: 'u.user_name_lower' } },
  multiValued: {
    table: 'user_attribute_values',
    alias: 'v',
    correlation: { user_id: 'u.id' },
    discriminator: 'attribute',
    attributes: { emails: 'emails' },
    subAttributes: { value: { column: 'value', lowerColumn: 'value_lower', lowerMaxLength: 10 }, type: 'type' },
  },
};

describe('filterToSql with a length-limited lower-case column', () => {
  it('should use the indexed lower-case column for eq with a value short enough to be stored there', () => {
    const { sql, params } = filterToSql(parseFilter('emails.value eq "A@B.CO"'), mapping);
    expect(sql).toContain('v1.value_lower = ?');
    expect(params).toContain('a@b.co');
  });

  it('should compare the copy, or LOWER(value) where it is NULL, for a value longer than the copies', () => {
    const { sql, params } = filterToSql(parseFilter('emails.value eq "Someone.Long@Example.com"'), mapping);
    expect(sql).not.toContain('value_lower =');
    expect(sql).toContain('COALESCE(v1.value_lower, LOWER(v1.value)) = ?');
    expect(params).toContain('someone.long@example.com');
  });

  it('should compare co, sw, ew and ranges on the copy, with LOWER(value) only where it is NULL', () => {
    for (const [filter, compared] of [
      ['emails.value co "X"', "LIKE ? ESCAPE '!'"],
      ['emails.value sw "X"', "LIKE ? ESCAPE '!'"],
      ['emails.value ew "X"', "LIKE ? ESCAPE '!'"],
      ['emails.value gt "X"', '> ?'],
    ]) {
      const { sql, params } = filterToSql(parseFilter(filter), mapping);
      expect(sql).toContain(`COALESCE(v1.value_lower, LOWER(v1.value)) ${compared}`);
      expect(params.some((p) => typeof p === 'string' && p.includes('x'))).toBe(true);
    }
  });

  it('should test presence on the copy, reading the column only where the copy is NULL', () => {
    const { sql } = filterToSql(parseFilter('emails.value pr'), mapping);
    expect(sql).toContain("COALESCE(v1.value_lower <> '', v1.value IS NOT NULL AND v1.value <> '')");
  });

  it('should keep using an unlimited lower-case column for every operator', () => {
    expect(filterToSql(parseFilter('userName sw "Ab"'), mapping).sql).toContain('u.user_name_lower LIKE ?');
  });
});
