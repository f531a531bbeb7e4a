import { ScimError, SqlColumn } from '@app/scim-protocol';
import { Column, ColumnOptions } from 'typeorm';

/**
 * Columns that store a SCIM attribute, declared where the column is: on the entity.
 *
 *   @ScimAttribute('name.givenName')
 *   nameGivenName: string | null;
 *
 * is a TypeORM column (varchar(255) NULL unless `column` says otherwise) and the record that the
 * attribute `name.givenName` lives in it. The module that owns the table builds its SQL mapping,
 * its SCIM ⇄ row conversions and its length checks from these records (users/user-storage.mapping.ts),
 * so storing one more attribute is one decorated property plus a migration. A resource type that
 * stores its attributes the same way (Groups) uses the same decorator on its own entity.
 */
export interface ScimColumn {
  /** The entity property. */
  readonly property: string;
  /**
   * Canonical SCIM path (`pathToString`): `externalId`, `name.givenName`, `urn:…:User:manager.value`;
   * on a value-row entity, the sub-attribute name (`value`, `streetAddress`).
   */
  readonly path: string;
  /** Longest value the column takes, in characters, when it has a limit. */
  readonly maxLength?: number;
  readonly type: 'string' | 'boolean';
  /** A property holding the lower-cased value (filled by the owner) that filters use when they can. */
  readonly lowerProperty?: string;
  /** See SqlColumn.lowerMaxLength. */
  readonly lowerMaxLength?: number;
}

export interface ScimColumnOptions {
  /** TypeORM column options; the default is `{ type: 'varchar', length: 255, nullable: true }`. */
  column?: ColumnOptions;
  /**
   * The attribute compares case-insensitively (its schema says `caseExact: false`): the decorator also
   * declares its lower-cased twin, property `<property>Lower` (column `<column>_lower`, same length),
   * filled by `lowerTwin` on every write, so that filters and sorts compare stored lower-cased text
   * instead of calling LOWER() on every row (a JavaScript function on SQLite).
   */
  caseInsensitive?: boolean;
  /** A lower-cased twin declared by the entity itself (e.g. to index it), with its own length. */
  lowerProperty?: string;
  lowerMaxLength?: number;
}

const registry = new Map<object, ScimColumn[]>();

export function ScimAttribute(path: string, options: ScimColumnOptions = {}): PropertyDecorator {
  const column: ColumnOptions = options.column ?? { type: 'varchar', length: 255, nullable: true };
  const declare = Column(column);
  return (target, property) => {
    declare(target, property);
    const maxLength = column.length !== undefined ? Number(column.length) : undefined;
    let { lowerProperty, lowerMaxLength } = options;
    if (options.caseInsensitive) {
      lowerProperty = `${String(property)}Lower`;
      lowerMaxLength = maxLength;
      Column({ type: 'varchar', length: maxLength, nullable: true })(target, lowerProperty);
    }
    const list = registry.get(target.constructor) ?? [];
    list.push({
      property: String(property),
      path,
      maxLength,
      type: column.type === 'boolean' ? 'boolean' : 'string',
      lowerProperty,
      lowerMaxLength,
    });
    registry.set(target.constructor, list);
  };
}

/** The SCIM columns of an entity, in declaration order. */
export function scimColumnsOf(entity: abstract new () => unknown): readonly ScimColumn[] {
  return registry.get(entity) ?? [];
}

/**
 * The lower-cased twin of a value (JavaScript's toLowerCase, as filter values are lower-cased), or
 * NULL when the value is NULL or its lower-cased form is longer than `maxLength` characters (a few
 * characters lower-case to two, e.g. U+0130): filters then fall back to LOWER(column) for that row.
 */
export function lowerTwin(value: string | null | undefined, maxLength: number | undefined): string | null {
  if (value === null || value === undefined) return null;
  const lower = value.toLowerCase();
  return maxLength !== undefined && lower.length > maxLength && Array.from(lower).length > maxLength ? null : lower;
}

/** The SqlMapping entry of a column (`alias.column`, or bare without an alias), with its lower-cased twin when it has one. */
export function sqlColumn(
  alias: string | null,
  spec: ScimColumn,
  databaseName: (property: string) => string,
): string | SqlColumn {
  const qualified = (property: string) => (alias ? `${alias}.${databaseName(property)}` : databaseName(property));
  const column = qualified(spec.property);
  if (!spec.lowerProperty && spec.type !== 'boolean') return column;
  return {
    column,
    ...(spec.lowerProperty ? { lowerColumn: qualified(spec.lowerProperty) } : {}),
    ...(spec.lowerMaxLength ? { lowerMaxLength: spec.lowerMaxLength } : {}),
    // Booleans are stored NOT NULL and rendered only when true: false is "absent" to filters too.
    ...(spec.type === 'boolean' ? { falseIsAbsent: true } : {}),
  };
}

/** A too-long value is a clear 400 naming the attribute, never a database error. */
export function checkLength(spec: ScimColumn, value: unknown, label: string): void {
  const max = spec.maxLength;
  // value.length counts UTF-16 units, never fewer than code points: only a long string needs the exact count.
  if (typeof value === 'string' && max && value.length > max && Array.from(value).length > max) {
    throw ScimError.invalidValue(`${label} must be at most ${max} characters.`);
  }
}

type Json = Record<string, unknown>;

/** Reads and writes one attribute path in a SCIM resource object (core attributes at the top, extensions under their URN). */
export interface AttributeAccessor {
  /** Where the attribute sits: the schema URN (or null for the core schema), the attribute, the sub-attribute. */
  readonly schema: string | null;
  readonly attribute: string;
  readonly subAttribute?: string;
  get(resource: Json): unknown;
  set(resource: Json, value: unknown): void;
}

/**
 * The accessor of a canonical attribute path (`pathToString`): `attribute`, `attribute.sub`, or
 * `<extension URN>:attribute[.sub]`, for any resource type. Whether the attribute exists is for the
 * owner's schema to say (see users/user-storage.mapping.ts).
 */
export function attributeAccessor(path: string): AttributeAccessor {
  const match = /^(?:(urn:.+):)?([A-Za-z][\w$-]*)(?:\.([A-Za-z$][\w$-]*))?$/.exec(path);
  if (!match) throw new Error(`"${path}" is not a canonical SCIM attribute path`);
  const [, urn, attribute, subAttribute] = match;
  const schema = urn ?? null;
  const child = (node: Json | undefined, key: string): Json | undefined => node?.[key] as Json | undefined;
  const childOrNew = (node: Json, key: string): Json => (node[key] ??= {}) as Json;
  // One pair of closures per shape, chosen once: these run for every attribute of every user rendered.
  let get: (resource: Json) => unknown;
  let set: (resource: Json, value: unknown) => void;
  if (schema === null && subAttribute === undefined) {
    get = (r) => r[attribute];
    set = (r, v) => void (r[attribute] = v);
  } else if (schema === null) {
    get = (r) => child(r, attribute)?.[subAttribute!];
    set = (r, v) => void (childOrNew(r, attribute)[subAttribute!] = v);
  } else if (subAttribute === undefined) {
    get = (r) => child(r, schema)?.[attribute];
    set = (r, v) => void (childOrNew(r, schema)[attribute] = v);
  } else {
    get = (r) => child(child(r, schema), attribute)?.[subAttribute];
    set = (r, v) => void (childOrNew(childOrNew(r, schema), attribute)[subAttribute] = v);
  }
  return { schema, attribute, subAttribute, get, set };
}
