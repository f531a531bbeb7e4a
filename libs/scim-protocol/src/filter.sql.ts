/*
 * Filter → SQL WHERE fragment, portable between SQLite (better-sqlite3) and
 * MySQL 8 / MariaDB 10.11 (mysql2) with binary (case-sensitive) collations.
 * Semantics are those documented in filter.evaluate.ts; the specs run both on
 * the same fixtures.
 *
 * - Values are always `?` parameters; identifiers come from the mapping only.
 * - Every atomic predicate is two-valued (a NULL column gives FALSE, never
 *   NULL), so `NOT (...)` is the complement and `ne`/`not` match users that
 *   lack the attribute.
 * - caseExact false: the column's lower-cased twin (`lowerColumn`, filled with
 *   JavaScript's toLowerCase) against a lower-cased parameter, so no row pays
 *   LOWER() (on SQLite a JavaScript function); `LOWER(col)` only for columns
 *   without a twin, and for the rows whose twin is NULL (too long).
 * - co/sw/ew: case-insensitive ones use `LIKE ? ESCAPE '!'` on lower-cased
 *   text, escaping ! % _ (backslash is not portable as an escape character).
 *   Case-exact ones use INSTR/SUBSTR, because SQLite's LIKE ignores ASCII case.
 * - Attributes the mapping does not store (groups, password, meta.version, …)
 *   are absent: comparisons and `pr` are false, `ne` and `not` are true.
 */
import { FilterNode, CompareOperator, FilterValue, CompareFilter } from './filter.ast';
import { compareValue, isPresent, NUMERIC_ID } from './filter.evaluate';
import { toSqlDateTime } from './datetime';
import { AttributeDefinition, AttributePath, definitionOf, isCoreSchema, pathToString } from './user.schema';

export type SqlParam = string | number | null;

export interface SqlFragment {
  sql: string;
  params: SqlParam[];
}

/** A stored column; `lowerColumn` holds the same value lower-cased (with JavaScript's toLowerCase). */
export interface SqlColumn {
  column: string;
  lowerColumn?: string;
  /**
   * When set, `lowerColumn` is filled only for values whose lower-cased form has
   * at most this many characters (code points), and is NULL for longer ones (so
   * it can carry an index): it is then used only for `eq` with a short enough
   * value, and `LOWER(column)` everywhere else.
   */
  lowerMaxLength?: number;
  /**
   * For a boolean stored NOT NULL where false stands for "absent" (the
   * resource is rendered without the attribute, as `primary` usually is):
   * the column counts as present only when true, so filters agree with what
   * clients see.
   */
  falseIsAbsent?: boolean;
  /**
   * An integer id column that SCIM sees as a string (a member's or a group's id): compared as ids are,
   * so `"01"` or `"x"` match nothing (never converted by the engine), and co/sw/ew on its decimal text.
   */
  numericId?: boolean;
}

function withAlias(alias: string, spec: SqlColumn): SqlColumn {
  return {
    ...spec,
    column: `${alias}.${spec.column}`,
    ...(spec.lowerColumn ? { lowerColumn: `${alias}.${spec.lowerColumn}` } : {}),
  };
}

/** Rows of a side table, one per element of a multi-valued attribute. */
export interface MultiValuedSqlMapping {
  /** e.g. `user_attribute_values`. */
  table: string;
  /** Prefix of the generated aliases (`v` → v1, v2, …). */
  alias: string;
  /**
   * Side-table column → resource expression it must equal, e.g. `{ user_id: 'u.id' }`. The column
   * that equals the resource id makes the condition `u.id IN (SELECT v.user_id ...)`, which every
   * engine can drive from the side table's index; without one it is a correlated EXISTS.
   */
  correlation: Readonly<Record<string, string>>;
  /**
   * Side-table columns → constant values for this query, bound as parameters, e.g.
   * `{ organization_id: 42 }` when the caller restricts the resources to organization 42 too: it
   * lets the side table's index start with that column, and keeps the subquery uncorrelated.
   */
  scope?: Readonly<Record<string, SqlParam>>;
  /**
   * Column naming the attribute of a row, e.g. `attribute`, when the table holds several attributes;
   * a table that holds one (a membership table) has none.
   */
  discriminator?: string;
  /** Canonical attribute path (`emails`) → discriminator value stored for it. Unlisted attributes are not stored here. */
  attributes: Readonly<Record<string, string>>;
  /** Sub-attribute name → bare column of the side table (quote reserved words: `` `primary` ``). */
  subAttributes: Readonly<Record<string, string | SqlColumn>>;
  /** Column with the primary flag and the element order, used by sortToSql. */
  primaryColumn?: string;
  positionColumn?: string;
}

/**
 * How SCIM attributes are stored. Supplied by the app; the library only
 * builds SQL from it. Keys are canonical paths as printed by pathToString:
 * `userName`, `name.givenName`, `meta.created`,
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`.
 */
export interface SqlMapping {
  /** Integer id of the resource, alias-qualified, e.g. `u.id`. */
  id: string;
  /** Single-valued attributes: a column or any SQL expression, alias-qualified. */
  columns: Readonly<Record<string, string | SqlColumn>>;
  /** Attributes with one value for every resource, e.g. `{ 'meta.resourceType': 'User' }`. */
  constants?: Readonly<Record<string, string | boolean | number>>;
  /** Side tables of multi-valued attributes: one, or several (each lists the attributes it holds). */
  multiValued?: MultiValuedSqlMapping | readonly MultiValuedSqlMapping[];
}

/** The side table holding a multi-valued attribute, if the mapping stores it. */
function sideTableOf(mapping: SqlMapping, path: AttributePath): { mv: MultiValuedSqlMapping; stored: string } | undefined {
  const key = pathToString({ schema: path.schema, attribute: path.attribute });
  const tables =
    mapping.multiValued === undefined ? [] : Array.isArray(mapping.multiValued) ? mapping.multiValued : [mapping.multiValued];
  for (const mv of tables as readonly MultiValuedSqlMapping[]) {
    const stored = mv.attributes[key];
    if (stored !== undefined) return { mv, stored };
  }
  return undefined;
}

const TRUE: SqlFragment = { sql: '1=1', params: [] };
const FALSE: SqlFragment = { sql: '1=0', params: [] };

const SQL_OPERATOR: Record<string, string> = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' };

function column(spec: string | SqlColumn | undefined): SqlColumn | undefined {
  if (spec === undefined) return undefined;
  return typeof spec === 'string' ? { column: spec } : spec;
}

function not(fragment: SqlFragment): SqlFragment {
  if (fragment.sql === TRUE.sql) return FALSE;
  if (fragment.sql === FALSE.sql) return TRUE;
  return { sql: `NOT (${fragment.sql})`, params: fragment.params };
}

function combine(op: 'AND' | 'OR', parts: SqlFragment[]): SqlFragment {
  return { sql: `(${parts.map((p) => p.sql).join(` ${op} `)})`, params: parts.flatMap((p) => p.params) };
}

/** Escapes LIKE wildcards for `ESCAPE '!'`. */
export function escapeLike(value: string): string {
  return value.replace(/[!%_]/g, (c) => `!${c}`);
}

class Translator {
  private aliases = 0;

  constructor(private readonly mapping: SqlMapping) {}

  translate(node: FilterNode): SqlFragment {
    switch (node.op) {
      case 'and':
        return combine(
          'AND',
          node.filters.map((f) => this.translate(f)),
        );
      case 'or':
        return combine(
          'OR',
          node.filters.map((f) => this.translate(f)),
        );
      case 'not':
        return not(this.translate(node.filter));
      case '[]': {
        const { definition } = definitionOf(node.path);
        if (!definition.multiValued) return this.translate(node.filter);
        return this.exists(node.path, (alias) => this.translateRow(node.filter, alias));
      }
      case 'pr':
        return this.present(node.path);
      default:
        return this.compare(node);
    }
  }

  private compare(node: CompareFilter): SqlFragment {
    if (node.value === null) {
      const present = this.present(node.path);
      return node.op === 'eq' ? not(present) : present;
    }
    if (node.op === 'ne') return not(this.compare({ ...node, op: 'eq' }));
    const { definition, subDefinition } = definitionOf(node.path);
    if (isCoreSchema(node.path.schema) && node.path.attribute === 'id') {
      return idPredicate(this.mapping.id, node.op, String(node.value));
    }
    if (definition.multiValued) {
      return this.exists(node.path, (alias) => this.translateRow(node, alias));
    }
    const key = pathToString(node.path);
    const constants = this.mapping.constants ?? {};
    if (key in constants) {
      return compareValue(subDefinition ?? definition, node.op, constants[key], node.value) ? TRUE : FALSE;
    }
    const col = column(this.mapping.columns[key]);
    if (!col) return FALSE;
    return predicate(col, subDefinition ?? definition, node.op, node.value);
  }

  private present(path: AttributePath): SqlFragment {
    const { definition, subDefinition } = definitionOf(path);
    if (isCoreSchema(path.schema) && path.attribute === 'id') return TRUE;
    if (definition.multiValued) {
      return this.exists(path, (alias) =>
        path.subAttribute === undefined ? TRUE : this.translateRow({ op: 'pr', path }, alias),
      );
    }
    const key = pathToString(path);
    const constants = this.mapping.constants ?? {};
    if (key in constants) return isPresent(constants[key]) ? TRUE : FALSE;
    if (definition.type === 'complex' && path.subAttribute === undefined) {
      // `name pr`: some sub-attribute is present.
      const parts = (definition.subAttributes ?? [])
        .map((sub) => this.present({ ...path, subAttribute: sub.name }))
        .filter((p) => p.sql !== FALSE.sql);
      return parts.length === 0 ? FALSE : combine('OR', parts);
    }
    const col = column(this.mapping.columns[key]);
    return col ? presentPredicate(col, subDefinition ?? definition) : FALSE;
  }

  /** A filter on the sub-attributes of one side-table row (`alias`). */
  private translateRow(node: FilterNode, alias: string): SqlFragment {
    switch (node.op) {
      case 'and':
        return combine(
          'AND',
          node.filters.map((f) => this.translateRow(f, alias)),
        );
      case 'or':
        return combine(
          'OR',
          node.filters.map((f) => this.translateRow(f, alias)),
        );
      case 'not':
        return not(this.translateRow(node.filter, alias));
      case '[]':
        return this.translateRow(node.filter, alias);
      case 'pr': {
        const col = this.rowColumn(node.path, alias);
        return col ? presentPredicate(col, definitionOf(node.path).subDefinition as AttributeDefinition) : FALSE;
      }
      default: {
        if (node.value === null) {
          const present = this.translateRow({ op: 'pr', path: node.path }, alias);
          return node.op === 'eq' ? not(present) : present;
        }
        if (node.op === 'ne') return not(this.translateRow({ ...node, op: 'eq' }, alias));
        const col = this.rowColumn(node.path, alias);
        if (!col) return FALSE;
        return predicate(col, definitionOf(node.path).subDefinition as AttributeDefinition, node.op, node.value);
      }
    }
  }

  private rowColumn(path: AttributePath, alias: string): SqlColumn | undefined {
    const spec = column(sideTableOf(this.mapping, path)?.mv.subAttributes[path.subAttribute as string]);
    if (!spec) return undefined;
    return withAlias(alias, spec);
  }

  /**
   * `u.id IN (SELECT vN.user_id FROM <side table> vN WHERE <scope> AND vN.attribute = ? AND <row condition>)`,
   * or `EXISTS (SELECT 1 ... WHERE <correlation> AND ...)` when no side-table column holds the id.
   * The IN form matters on SQLite, which runs a correlated EXISTS once per resource (a scan of the
   * organization) but drives an IN list from the side table's (organization, attribute, value) index.
   */
  private exists(path: AttributePath, row: (alias: string) => SqlFragment): SqlFragment {
    const side = sideTableOf(this.mapping, path);
    if (!side) return FALSE;
    const { mv, stored } = side;
    const alias = `${mv.alias}${++this.aliases}`;
    const condition = row(alias);
    if (condition.sql === FALSE.sql) return FALSE;
    const key = Object.keys(mv.correlation).find((col) => mv.correlation[col] === this.mapping.id);
    const correlation = Object.entries(mv.correlation)
      .filter(([col]) => col !== key)
      .map(([col, expr]) => `${alias}.${col} = ${expr}`);
    const scope = Object.entries(mv.scope ?? {});
    const where = [...correlation, ...scope.map(([col]) => `${alias}.${col} = ?`)];
    if (mv.discriminator) where.push(`${alias}.${mv.discriminator} = ?`);
    if (condition.sql !== TRUE.sql) where.push(condition.sql);
    const params = [...scope.map(([, value]) => value), ...(mv.discriminator ? [stored] : []), ...condition.params];
    const from = `FROM ${mv.table} ${alias}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
    if (key === undefined) return { sql: `EXISTS (SELECT 1 ${from})`, params };
    return { sql: `${this.mapping.id} IN (SELECT ${alias}.${key} ${from})`, params };
  }
}

function isText(def: AttributeDefinition): boolean {
  return def.type === 'string' || def.type === 'reference' || def.type === 'binary';
}

function presentPredicate(col: SqlColumn, def: AttributeDefinition): SqlFragment {
  if (col.numericId) return { sql: `${col.column} IS NOT NULL`, params: [] };
  if (def.type === 'boolean' && col.falseIsAbsent)
    return { sql: `(${col.column} IS NOT NULL AND ${col.column} <> 0)`, params: [] };
  if (!isText(def)) return { sql: `${col.column} IS NOT NULL`, params: [] };
  if (col.lowerColumn && col.lowerMaxLength !== undefined) {
    // The twin is '' exactly when the column is, and NULL when the column is NULL or too long: the column
    // itself is read only then (on SQLite, a scan of the twin's index then stays in the index).
    const { lowerColumn: lower, column } = col;
    return { sql: `COALESCE(${lower} <> '', ${column} IS NOT NULL AND ${column} <> '')`, params: [] };
  }
  const c = col.lowerColumn ?? col.column;
  return { sql: `(${c} IS NOT NULL AND ${c} <> '')`, params: [] };
}

/** `col op value` for a present column and a non-null value; `ne` never reaches here. */
function predicate(col: SqlColumn, def: AttributeDefinition, op: CompareOperator, value: FilterValue): SqlFragment {
  if (col.numericId) return idPredicate(col.column, op, String(value));
  const guard = presentPredicate(col, def).sql;
  const and = (sql: string, ...params: SqlParam[]): SqlFragment => ({ sql: `(${guard} AND ${sql})`, params });
  switch (def.type) {
    case 'boolean':
      return and(`${col.column} = ?`, value ? 1 : 0);
    case 'dateTime':
      return and(`${col.column} ${SQL_OPERATOR[op]} ?`, toSqlDateTime(String(value)));
    case 'integer':
    case 'decimal':
      return and(`${col.column} ${SQL_OPERATOR[op]} ?`, Number(value));
    default:
      break;
  }
  const text = String(value);
  const foldCase = !def.caseExact && def.type !== 'binary';
  if (op === 'co' || op === 'sw' || op === 'ew') {
    if (text === '') return { sql: guard, params: [] };
    if (!foldCase) {
      if (op === 'co') return and(`INSTR(${col.column}, ?) > 0`, text);
      if (op === 'sw') return and(`INSTR(${col.column}, ?) = 1`, text);
      return and(`SUBSTR(${col.column}, ?) = ?`, -Array.from(text).length, text);
    }
    const body = escapeLike(text.toLowerCase());
    const pattern = op === 'co' ? `%${body}%` : op === 'sw' ? `${body}%` : `%${body}`;
    return and(`${folded(col)} LIKE ? ESCAPE '!'`, pattern);
  }
  const sqlOp = SQL_OPERATOR[op] as string;
  if (!foldCase) return and(`${col.column} ${sqlOp} ?`, text);
  const lowered = text.toLowerCase();
  // An equal value has a lower-cased form as long as this one: a short one is in the (indexable) twin itself.
  const twin =
    col.lowerColumn && op === 'eq' && (col.lowerMaxLength === undefined || Array.from(lowered).length <= col.lowerMaxLength);
  return and(`${twin ? col.lowerColumn : folded(col)} ${sqlOp} ?`, lowered);
}

/**
 * The lower-cased text of a present column: its twin when it has one, which is NULL only where the
 * lower-cased form is longer than `lowerMaxLength` (LOWER() then runs for that row alone).
 */
function folded(col: SqlColumn): string {
  if (!col.lowerColumn) return `LOWER(${col.column})`;
  return col.lowerMaxLength === undefined ? col.lowerColumn : `COALESCE(${col.lowerColumn}, LOWER(${col.column}))`;
}

/** Ids are integers in the database and opaque strings on the wire; a non-numeric id matches nothing. */
function idPredicate(id: string, op: CompareOperator, value: string): SqlFragment {
  switch (op) {
    case 'co':
      return value === '' ? TRUE : { sql: `INSTR(CAST(${id} AS CHAR), ?) > 0`, params: [value] };
    case 'sw':
      return value === '' ? TRUE : { sql: `INSTR(CAST(${id} AS CHAR), ?) = 1`, params: [value] };
    case 'ew':
      return value === '' ? TRUE : { sql: `SUBSTR(CAST(${id} AS CHAR), ?) = ?`, params: [-value.length, value] };
    default:
      if (!NUMERIC_ID.test(value)) return FALSE;
      return { sql: `${id} ${SQL_OPERATOR[op]} ?`, params: [Number(value)] };
  }
}

/**
 * Translates a validated filter into a WHERE fragment with `?` placeholders.
 * The caller adds its own conditions (organization, soft delete) with AND.
 */
export function filterToSql(node: FilterNode, mapping: SqlMapping): SqlFragment {
  return new Translator(mapping).translate(node);
}

export type SortOrder = 'ascending' | 'descending';

/**
 * ORDER BY terms (without the keywords) for `sortBy`/`sortOrder` (RFC 7644
 * §3.4.2.3): resources without a value come last when ascending and first when
 * descending; strings that are not case-exact sort case-insensitively; a
 * multi-valued attribute sorts by its primary value, else its first one; the
 * id breaks ties so that paging is stable. Without sortBy, or for an
 * attribute that is not stored, the order is by id.
 */
export function sortToSql(sortBy: AttributePath | undefined, sortOrder: SortOrder, mapping: SqlMapping): SqlFragment {
  const tiebreak = `${mapping.id} ASC`;
  if (!sortBy) return { sql: tiebreak, params: [] };
  const dir = sortOrder === 'descending' ? 'DESC' : 'ASC';
  const { definition, subDefinition } = definitionOf(sortBy);
  if (isCoreSchema(sortBy.schema) && sortBy.attribute === 'id') {
    return { sql: `${mapping.id} ${dir}`, params: [] };
  }
  let key: SqlFragment | undefined;
  const def = subDefinition ?? definition;
  if (definition.multiValued) {
    const side = sideTableOf(mapping, sortBy);
    const spec = column(side?.mv.subAttributes[sortBy.subAttribute ?? 'value']);
    if (side && spec) {
      const { mv, stored } = side;
      const alias = `${mv.alias}s`;
      const correlation = Object.entries(mv.correlation).map(([col, expr]) => `${alias}.${col} = ${expr}`);
      const order = [
        ...(mv.primaryColumn ? [`${alias}.${mv.primaryColumn} DESC`] : []),
        ...(mv.positionColumn ? [`${alias}.${mv.positionColumn} ASC`] : []),
        `${alias}.${spec.column} ASC`,
      ];
      const value = sortKey(withAlias(alias, spec), def);
      const where = mv.discriminator ? [...correlation, `${alias}.${mv.discriminator} = ?`] : correlation;
      key = {
        sql: `(SELECT ${value} FROM ${mv.table} ${alias} WHERE ${where.join(' AND ')} ORDER BY ${order.join(', ')} LIMIT 1)`,
        params: mv.discriminator ? [stored] : [],
      };
    }
  } else {
    const col = column(mapping.columns[pathToString(sortBy)]);
    if (col) key = { sql: sortKey(col, def), params: [] };
  }
  if (!key) return { sql: tiebreak, params: [] };
  return {
    sql: `(${key.sql} IS NULL) ${dir}, ${key.sql} ${dir}, ${tiebreak}`,
    params: [...key.params, ...key.params],
  };
}

function sortKey(col: SqlColumn, def: AttributeDefinition): string {
  if (def.type === 'boolean' && col.falseIsAbsent) return `NULLIF(${col.column}, 0)`;
  if (!isText(def)) return col.column;
  return `NULLIF(${def.caseExact || def.type === 'binary' ? col.column : folded(col)}, '')`;
}
