/*
 * In-memory filter evaluation. PATCH uses it to select elements of a
 * multi-valued attribute (`emails[type eq "work"]`); the SQL translation is
 * tested against it. Both implement the same semantics, stated once here:
 *
 * - An attribute is present when it is not undefined, null or '' (an empty
 *   string carries nothing); a multi-valued attribute when it has an element.
 * - `eq`/`co`/`sw`/`ew`/`gt`/... are false when the attribute is absent.
 * - `ne` is `not eq`: `title ne "x"` matches users without a title, and
 *   `emails.value ne "x"` matches users none of whose emails is "x".
 *   Inside a value path the same rule applies to the one element.
 * - `eq null` is `not pr`, `ne null` is `pr`.
 * - caseExact false strings compare lower-cased; ordering compares code
 *   points (byte order of UTF-8, as MySQL's binary collations and SQLite do).
 * - A plain comparison on a multi-valued attribute (`emails.type eq "work"`)
 *   is true when some element matches.
 * - Ids are numeric strings and compare as numbers; a non-numeric id value
 *   equals no id.
 */
import { FilterNode, FilterValue, CompareOperator } from './filter.ast';
import { parseDateTime } from './datetime';
import { AttributeDefinition, AttributePath, definitionOf, isCoreSchema } from './user.schema';

type Json = Record<string, unknown>;

/** Evaluates a validated filter against a SCIM resource in canonical (schema-cased) JSON form. */
export function evaluateFilter(node: FilterNode, resource: Json): boolean {
  switch (node.op) {
    case 'and':
      return node.filters.every((f) => evaluateFilter(f, resource));
    case 'or':
      return node.filters.some((f) => evaluateFilter(f, resource));
    case 'not':
      return !evaluateFilter(node.filter, resource);
    case '[]': {
      const { definition } = definitionOf(node.path);
      if (!definition.multiValued) return evaluateFilter(node.filter, resource);
      return elementsOf(resource, node.path).some((e) => evaluateElementFilter(node.filter, e));
    }
    case 'pr':
      return attributePresent(resource, node.path);
    default: {
      if (node.value === null) {
        const present = attributePresent(resource, node.path);
        return node.op === 'eq' ? !present : present;
      }
      if (node.op === 'ne') return !evaluateFilter({ ...node, op: 'eq' }, resource);
      const { definition, subDefinition } = definitionOf(node.path);
      const def = subDefinition ?? definition;
      if (isIdPath(node.path)) return compareId(node.op, resource.id, node.value);
      if (definition.multiValued) {
        const sub = node.path.subAttribute as string;
        return elementsOf(resource, node.path).some((e) => compareValue(def, node.op, e[sub], node.value));
      }
      return compareValue(def, node.op, valueAt(resource, node.path), node.value);
    }
  }
}

/**
 * Evaluates the inner filter of a value path against one element of the
 * multi-valued attribute, e.g. `type eq "work"` against `{ type: "work", ... }`.
 */
export function evaluateElementFilter(node: FilterNode, element: Json): boolean {
  switch (node.op) {
    case 'and':
      return node.filters.every((f) => evaluateElementFilter(f, element));
    case 'or':
      return node.filters.some((f) => evaluateElementFilter(f, element));
    case 'not':
      return !evaluateElementFilter(node.filter, element);
    case '[]':
      return evaluateElementFilter(node.filter, element);
    case 'pr':
      return isPresent(element[node.path.subAttribute as string]);
    default: {
      const actual = element[node.path.subAttribute as string];
      if (node.value === null) return node.op === 'eq' ? !isPresent(actual) : isPresent(actual);
      if (node.op === 'ne') return !evaluateElementFilter({ ...node, op: 'eq' }, element);
      const def = definitionOf(node.path).subDefinition as AttributeDefinition;
      return compareValue(def, node.op, actual, node.value);
    }
  }
}

export function isPresent(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

function isIdPath(path: AttributePath): boolean {
  return isCoreSchema(path.schema) && path.attribute === 'id';
}

function containerOf(resource: Json, path: AttributePath): Json | undefined {
  if (isCoreSchema(path.schema)) return resource;
  const ext = resource[path.schema];
  return ext && typeof ext === 'object' ? (ext as Json) : undefined;
}

function elementsOf(resource: Json, path: AttributePath): Json[] {
  const value = containerOf(resource, path)?.[path.attribute];
  return Array.isArray(value) ? (value.filter((e) => e && typeof e === 'object') as Json[]) : [];
}

function valueAt(resource: Json, path: AttributePath): unknown {
  const value = containerOf(resource, path)?.[path.attribute];
  if (path.subAttribute === undefined) return value;
  return value && typeof value === 'object' ? (value as Json)[path.subAttribute] : undefined;
}

function attributePresent(resource: Json, path: AttributePath): boolean {
  const { definition } = definitionOf(path);
  if (definition.multiValued) {
    const elements = elementsOf(resource, path);
    if (path.subAttribute === undefined) return elements.length > 0;
    return elements.some((e) => isPresent(e[path.subAttribute as string]));
  }
  const value = valueAt(resource, path);
  if (definition.type === 'complex' && path.subAttribute === undefined) {
    return !!value && typeof value === 'object' && Object.values(value as Json).some(isPresent);
  }
  return isPresent(value);
}

/** Code-point order, which is UTF-8 byte order (UTF-16 order differs above U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] as string).codePointAt(0)! - (y[i] as string).codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

function ordered(op: CompareOperator, d: number): boolean {
  switch (op) {
    case 'eq':
      return d === 0;
    case 'gt':
      return d > 0;
    case 'ge':
      return d >= 0;
    case 'lt':
      return d < 0;
    case 'le':
      return d <= 0;
    default:
      return false;
  }
}

/** `actual op expected` for a non-null expected value; `ne` is handled by the callers. */
export function compareValue(def: AttributeDefinition, op: CompareOperator, actual: unknown, expected: FilterValue): boolean {
  if (!isPresent(actual) || expected === null) return false;
  switch (def.type) {
    case 'boolean':
      return op === 'eq' && actual === expected;
    case 'dateTime': {
      const a = typeof actual === 'string' ? parseDateTime(actual) : undefined;
      return a !== undefined && ordered(op, compareCodePoints(a, String(expected)));
    }
    case 'integer':
    case 'decimal':
      return typeof actual === 'number' && ordered(op, actual - Number(expected));
    default: {
      if (typeof actual !== 'string') return false;
      const fold = !def.caseExact && def.type !== 'binary';
      const a = fold ? actual.toLowerCase() : actual;
      const e = fold ? String(expected).toLowerCase() : String(expected);
      switch (op) {
        case 'co':
          return a.includes(e);
        case 'sw':
          return a.startsWith(e);
        case 'ew':
          return a.endsWith(e);
        default:
          return ordered(op, compareCodePoints(a, e));
      }
    }
  }
}

/** An id as the server writes it: no sign, no leading zero (`01` is not the id `1`, as GET /Users/01 is a 404). */
const NUMERIC_ID = /^(0|[1-9]\d{0,14})$/;

function compareId(op: CompareOperator, actual: unknown, expected: FilterValue): boolean {
  const id = String(actual);
  const wanted = String(expected);
  switch (op) {
    case 'co':
      return id.includes(wanted);
    case 'sw':
      return id.startsWith(wanted);
    case 'ew':
      return id.endsWith(wanted);
    default:
      return NUMERIC_ID.test(wanted) && ordered(op, Number(id) - Number(wanted));
  }
}

export { NUMERIC_ID };
