import { ScimError } from './scim-error';
import { FilterNode } from './filter.ast';
import { parseFilter } from './filter.parser';
import { SortOrder } from './filter.sql';
import { AttributePath, lookupAttribute, lookupSubAttribute, pathToString, SchemaDefinition } from './user.schema';

export interface ListQuery {
  filter?: FilterNode;
  /** 1-based. */
  startIndex: number;
  /** 0 asks for totalResults only. */
  count: number;
  /**
   * RFC 9865 cursor paging: present (`''` for the first page) when the client asked for it with
   * `cursor`, the previous answer's `nextCursor` after that. Never given together with startIndex.
   */
  cursor?: string;
  sortBy?: AttributePath;
  sortOrder: SortOrder;
  attributes: string[];
  excludedAttributes: string[];
}

export interface ListQueryOptions {
  /** Largest page; bigger counts are lowered to it (ServiceProviderConfig filter.maxResults). */
  maxResults?: number;
  defaultCount?: number;
  /** The resource type's schemas, for filter and sortBy names (USER_SCHEMAS unless told). */
  schemas?: readonly SchemaDefinition[];
}

const MAX_START_INDEX = 2 ** 31 - 1;

/** The query's parameters by lower-cased name (names match case-insensitively), every value each was given. */
function byName(query: Record<string, unknown>): Map<string, unknown[]> {
  const params = new Map<string, unknown[]>();
  for (const key in query) {
    const value = query[key];
    if (!Object.prototype.hasOwnProperty.call(query, key) || value === undefined) continue;
    const name = key.toLowerCase();
    const values = Array.isArray(value) ? value : [value];
    const known = params.get(name);
    if (known) known.push(...values);
    else params.set(name, values.slice());
  }
  return params;
}

function param(params: Map<string, unknown[]>, name: string): string | undefined {
  const values = params.get(name.toLowerCase());
  if (values === undefined) return undefined;
  if (values.length > 1) throw ScimError.invalidValue(`The query parameter ${name} is given more than once.`);
  const value = values[0];
  if (typeof value !== 'string') throw ScimError.invalidValue(`The query parameter ${name} must be a single value.`);
  return value;
}

function integer(text: string, name: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(text)) {
    throw ScimError.invalidValue(`${name} must be an integer, not "${text.slice(0, 40)}".`);
  }
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : n > 0 ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
}

function list(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function sortPath(text: string, schemas?: readonly SchemaDefinition[]): AttributePath {
  const found = lookupAttribute(text.trim(), schemas);
  if (found.kind !== 'attribute') {
    throw ScimError.invalidValue(`sortBy "${text.slice(0, 100)}" is not an attribute of the User schema.`);
  }
  let resolved = found.resolved;
  const { definition } = resolved;
  if (definition.returned === 'never') throw ScimError.invalidValue(`Users cannot be sorted by ${definition.name}.`);
  if (!resolved.subDefinition && definition.type === 'complex') {
    const value = definition.multiValued ? lookupSubAttribute(resolved, 'value') : undefined;
    if (!value) {
      const example = definition.subAttributes?.[0]?.name ?? 'value';
      throw ScimError.invalidValue(
        `sortBy "${text}" is complex; sort by one of its sub-attributes, e.g. ${pathToString(resolved.path)}.${example}.`,
      );
    }
    resolved = value;
  }
  return resolved.path;
}

/**
 * Reads the query of `GET /Users` (RFC 7644 §3.4.2). Parameter names match
 * case-insensitively. startIndex below 1 is 1; count defaults to 100, is at
 * most maxResults (200) and below 0 is 0; a non-integer startIndex or count,
 * an unknown sortBy or a bad sortOrder is 400 invalidValue (sortBy is
 * refused rather than ignored, so a client never gets an order it did not
 * ask for); a bad filter is 400 invalidFilter.
 */
export function parseListQuery(query: Record<string, unknown>, options: ListQueryOptions = {}): ListQuery {
  const maxResults = options.maxResults ?? 200;
  const defaultCount = Math.min(options.defaultCount ?? 100, maxResults);

  const params = byName(query);
  const filterText = param(params, 'filter');
  const startText = param(params, 'startIndex');
  const countText = param(params, 'count');
  const sortByText = param(params, 'sortBy');
  const sortOrderText = param(params, 'sortOrder');
  const cursor = param(params, 'cursor');
  if (cursor !== undefined && startText !== undefined) {
    throw ScimError.invalidValue('Send either startIndex (index paging) or cursor (cursor paging), not both.');
  }
  if (cursor !== undefined && !/^[A-Za-z0-9._~-]*$/.test(cursor)) {
    throw new ScimError(
      400,
      "This cursor is not one this server gave: send an empty cursor for the first page, then each answer's nextCursor.",
      'invalidCursor',
    );
  }

  const startIndex = startText === undefined ? 1 : Math.min(Math.max(integer(startText, 'startIndex'), 1), MAX_START_INDEX);
  const count = countText === undefined ? defaultCount : Math.min(Math.max(integer(countText, 'count'), 0), maxResults);

  let sortOrder: SortOrder = 'ascending';
  if (sortOrderText !== undefined) {
    const order = sortOrderText.trim().toLowerCase();
    if (order !== 'ascending' && order !== 'descending') {
      throw ScimError.invalidValue(`sortOrder must be "ascending" or "descending", not "${sortOrderText.slice(0, 40)}".`);
    }
    sortOrder = order;
  }

  const result: ListQuery = {
    startIndex,
    count,
    sortOrder,
    attributes: list(param(params, 'attributes')),
    excludedAttributes: list(param(params, 'excludedAttributes')),
  };
  if (cursor !== undefined) result.cursor = cursor;
  if (filterText !== undefined) result.filter = parseFilter(filterText, options.schemas);
  if (sortByText !== undefined && sortByText.trim() !== '') result.sortBy = sortPath(sortByText, options.schemas);
  return result;
}
