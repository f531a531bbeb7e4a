import { AttributePath, definitionOf, FilterNode, pathToString } from '@app/scim-protocol';

/*
 * What a SCIM search of users costs, estimated before it runs, in rows read: the unit that makes
 * a filter slow on both engines (a row read and compared takes ~50 ns on SQLite, a little more on
 * MariaDB). A search estimated above the limit (SCIM_SEARCH_MAX_ROWS) is refused with a sentence
 * that says why, instead of running until the statement's time limit stops it.
 *
 * The model, per organization (its live users U and its stored multi-valued elements V):
 * - a filter that an index narrows (see narrowedByIndex) and the default id order up to a page
 *   deep in the index cost next to nothing;
 * - otherwise every live user is read once (U), and each comparison on a singular attribute is
 *   evaluated on each of them (U per comparison);
 * - each comparison on a multi-valued attribute (`emails co`, `addresses[...]`) is a subquery over
 *   the organization's elements of that attribute, at most V;
 * - sortBy reads and orders every matching user (U), a multi-valued sortBy adds a lookup of its
 *   elements per user (V);
 * - startIndex in id order walks the index up to it: an index entry skipped costs an eighth of a row
 *   read and compared (INDEX_ENTRIES_PER_ROW).
 * The estimate counts rows, not time, so it is the same on both engines; the time limit stays as
 * the backstop for what the model does not see (a cold cache, a busy disk).
 */

/** The default of SCIM_SEARCH_MAX_ROWS (about a quarter of a second of reading on this machine kind; see docs/performance.md). */
export const DEFAULT_SEARCH_MAX_ROWS = 1_000_000;

/** Rows of an organization that a search may read. */
export interface OrganizationSize {
  /** Live users. */
  users: number;
  /** Stored elements of multi-valued attributes (emails, phone numbers, …), all attributes together. */
  values: number;
}

export interface SearchShape {
  filter?: FilterNode;
  sortBy?: AttributePath;
  /** 0-based. */
  offset: number;
}

/** Attributes whose `eq` is an indexed lookup (users' unique and external-id indexes, the value rows' index). */
const INDEXED_EQ = new Set(['id', 'userName', 'externalId', 'emails.value', 'groups.value']);

/**
 * Pages up to this offset, in id order, walk the (organization, deleted_at, id) index a few
 * thousand entries at most: cheap whatever the organization's size.
 */
export const CHEAP_OFFSET = 10_000;

/**
 * Whether an index bounds the rows a filter reads: an `eq` on an indexed attribute, an `and` with
 * one such term (the rest is checked on the few rows it finds), an `or` of such filters. Anything
 * else (co, sw, ew, ranges, not, pr, unindexed attributes) may read every row of the organization.
 */
export function narrowedByIndex(filter: FilterNode): boolean {
  switch (filter.op) {
    case 'and':
      return filter.filters.some(narrowedByIndex);
    case 'or':
      return filter.filters.every(narrowedByIndex);
    case '[]':
      return narrowedByIndex(filter.filter);
    case 'eq':
      return typeof filter.value === 'string' && filter.value !== '' && INDEXED_EQ.has(pathToString(filter.path));
    default:
      return false;
  }
}

/**
 * Index entries skipped for the cost of one row read and compared: at a million users on SQLite, an
 * OFFSET of 999,000 in id order took 31–39 ms, a scan of the million rows with one LIKE 270–280 ms
 * (docs/performance.md).
 */
export const INDEX_ENTRIES_PER_ROW = 8;

/** A search that reads at most a few index entries, whatever the organization's size. */
export function isCheapSearch(search: SearchShape): boolean {
  return search.sortBy === undefined && search.offset <= CHEAP_OFFSET && (!search.filter || narrowedByIndex(search.filter));
}

export interface SearchCost {
  /** Rows the search is expected to read. */
  rows: number;
  /** What they come from, for the refusal's sentence: "3 comparisons on multi-valued attributes". */
  parts: string[];
}

/** The rows a search is expected to read in an organization of this size (see the model above). */
export function searchCost(search: SearchShape, size: OrganizationSize): SearchCost {
  if (isCheapSearch(search)) return { rows: 0, parts: [] };
  if (search.sortBy === undefined && (!search.filter || narrowedByIndex(search.filter))) {
    // A deep page in id order: the index up to it, nothing else.
    const skipped = Math.min(search.offset, size.users);
    return {
      rows: Math.ceil(skipped / INDEX_ENTRIES_PER_ROW),
      parts: [`skipping ${skipped.toLocaleString('en-US')} users to startIndex`],
    };
  }
  const comparisons = { singular: 0, multiValued: 0 };
  if (search.filter && !narrowedByIndex(search.filter)) count(search.filter, comparisons);
  const parts = [`${size.users.toLocaleString('en-US')} users`];
  let rows = size.users * Math.max(1, comparisons.singular);
  if (comparisons.singular > 1) parts[0] += ` × ${comparisons.singular} comparisons`;
  if (comparisons.multiValued) {
    rows += comparisons.multiValued * size.values;
    parts.push(
      `${comparisons.multiValued} comparison${comparisons.multiValued > 1 ? 's' : ''} on multi-valued attributes × ${size.values.toLocaleString('en-US')} stored values`,
    );
  }
  if (search.sortBy && definitionOf(search.sortBy).definition.multiValued) {
    rows += size.values;
    parts.push(`sorting by a multi-valued attribute`);
  }
  return { rows, parts };
}

/** Comparisons a filter evaluates per row (an `and` narrowed by an index reads few rows: not counted). */
function count(filter: FilterNode, into: { singular: number; multiValued: number }): void {
  switch (filter.op) {
    case 'and':
    case 'or':
      if (filter.op === 'and' && narrowedByIndex(filter)) return;
      for (const child of filter.filters) count(child, into);
      return;
    case 'not':
      count(filter.filter, into);
      return;
    case '[]':
      into.multiValued += 1;
      return;
    default:
      if (definitionOf(filter.path).definition.multiValued) into.multiValued += 1;
      else into.singular += 1;
  }
}

/** A search refused before it ran: its estimated cost is above the limit. */
export class SearchTooCostlyError extends Error {
  constructor(
    readonly cost: SearchCost,
    readonly limit: number,
  ) {
    super(`The search would read about ${cost.rows} rows; the limit is ${limit}`);
  }
}
