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

  it('should compare LOWER(value) for a longer value, which has no lower-case copy', () => {
    const { sql, params } = filterToSql(parseFilter('emails.value eq "Someone.Long@Example.com"'), mapping);
    expect(sql).not.toContain('value_lower =');
    expect(sql).toContain('LOWER(v1.value) = LOWER(?)');
    expect(params).toContain('Someone.Long@Example.com');
  });

  it('should never use the length-limited column for pr, co, sw, ew, gt', () => {
    for (const filter of [
      'emails.value pr',
      'emails.value co "x"',
      'emails.value sw "x"',
      'emails.value ew "x"',
      'emails.value gt "x"',
    ]) {
      expect(filterToSql(parseFilter(filter), mapping).sql).not.toContain('value_lower');
    }
  });

  it('should keep using an unlimited lower-case column for every operator', () => {
    expect(filterToSql(parseFilter('userName sw "Ab"'), mapping).sql).toContain('u.user_name_lower LIKE ?');
  });
});
