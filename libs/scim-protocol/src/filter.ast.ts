import { AttributePath, pathToString } from './user.schema';

export type CompareOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export const COMPARE_OPERATORS: readonly CompareOperator[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];

/**
 * Values after validation: booleans for boolean attributes, strings for
 * string/reference/binary attributes, `YYYY-MM-DDTHH:MM:SS.SSSZ` strings for
 * dateTime attributes, null only with eq/ne.
 */
export type FilterValue = string | number | boolean | null;

export interface LogicalFilter {
  op: 'and' | 'or';
  filters: FilterNode[];
}
export interface NotFilter {
  op: 'not';
  filter: FilterNode;
}
export interface PresentFilter {
  op: 'pr';
  path: AttributePath;
}
export interface CompareFilter {
  op: CompareOperator;
  path: AttributePath;
  value: FilterValue;
}
/**
 * `emails[type eq "work"]`. Paths inside `filter` are full paths
 * (attribute `emails`, subAttribute `type`), evaluated against one element.
 */
export interface ValuePathFilter {
  op: '[]';
  path: AttributePath;
  filter: FilterNode;
}

/** A validated filter: every path is canonical and every value has its attribute's type. */
export type FilterNode = LogicalFilter | NotFilter | PresentFilter | CompareFilter | ValuePathFilter;

/** Prints a filter back to RFC 7644 text that parseFilter reads as the same tree. */
export function filterToString(node: FilterNode): string {
  return print(node, false);
}

/** Prints the inner filter of a value path, with sub-attribute names only: `type eq "work"`. */
export function valueFilterToString(node: FilterNode): string {
  return print(node, true);
}

function print(node: FilterNode, insideValuePath: boolean): string {
  const path = (p: AttributePath) => (insideValuePath ? (p.subAttribute ?? p.attribute) : pathToString(p));
  switch (node.op) {
    case 'and':
    case 'or':
      return node.filters
        .map((f) => (f.op === 'and' || f.op === 'or' ? `(${print(f, insideValuePath)})` : print(f, insideValuePath)))
        .join(` ${node.op} `);
    case 'not':
      return `not (${print(node.filter, insideValuePath)})`;
    case 'pr':
      return `${path(node.path)} pr`;
    case '[]':
      return `${pathToString(node.path)}[${print(node.filter, true)}]`;
    default:
      return `${path(node.path)} ${node.op} ${JSON.stringify(node.value)}`;
  }
}
