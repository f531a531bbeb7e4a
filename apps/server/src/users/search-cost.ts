import { AttributePath, definitionOf, FilterNode, pathToString } from '@app/scim-protocol';

/*
 * What a SCIM search of users costs, estimated before it runs, in rows read: the unit that makes
 * a filter slow on both engines (a row read and compared takes ~50 ns on SQLite, a little more on
 * MariaDB). A search estimated above the limit (SCIM_SEARCH_MAX_ROWS) is refused with a sentence
 * that says why, instead of running until the statement's time limit stops it.
 *
 * The model, per organization (its live users U and its stored multi-valued elements V):
 * - a filter that one index lookup narrows (see narrowedByIndex) and the default id order up to a
 *   page deep in the index cost next to nothing, as long as it compares no multi-valued attribute
 *   but through its index;
 * - otherwise every live user is read once (U), and each comparison on a singular attribute is
 *   evaluated on each of them (U per comparison). An `or` of indexed lookups is such a read: SQLite
 *   walks the organization's users in id order (the page's order) and tests every term on each
 *   (116 `userName eq` or-ed: 180 ms at 20,000 users; two: 3 ms), MySQL may too;
 * - each comparison on a multi-valued attribute (`emails co`, and each term inside a value path
 *   `addresses[...]`) is a subquery over the organization's elements of that attribute, at most V:
 *   `emails[value co "a" or value co "b"]` compares every element twice. Such a subquery is read
 *   whole even when an index narrows the users (SQLite builds its list once, MySQL its semi-join);
 *   an indexed `eq` on `emails.value` is an index lookup, free;
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
export const USER_INDEXED_EQ: ReadonlySet<string> = new Set(['id', 'userName', 'externalId', 'emails.value', 'groups.value']);
/** The same for groups: their unique displayName and external-id indexes, the members' user index. */
export const GROUP_INDEXED_EQ: ReadonlySet<string> = new Set(['id', 'displayName', 'externalId', 'members.value']);

/**
 * Pages up to this offset, in id order, walk the (organization, deleted_at, id) index a few
 * thousand entries at most: cheap whatever the organization's size.
 */
export const CHEAP_OFFSET = 10_000;

/** An `eq` that an index answers: one lookup, whatever the organization's size. */
function isIndexedEq(filter: FilterNode, indexed: ReadonlySet<string>): boolean {
  return filter.op === 'eq' && typeof filter.value === 'string' && filter.value !== '' && indexed.has(pathToString(filter.path));
}

/**
 * Whether one index lookup bounds the users a filter reads: an indexed `eq`, an `and` with one
 * such term (the rest is checked on the few users it finds), a value path whose filter is one.
 * An `or` is not, even of indexed lookups: the database reads it as a scan of the organization
 * (see the model above). Anything else (co, sw, ew, ranges, not, pr, unindexed attributes) may
 * read every user of the organization too.
 */
export function narrowedByIndex(filter: FilterNode, indexed = USER_INDEXED_EQ): boolean {
  switch (filter.op) {
    case 'and':
      return filter.filters.some((child) => narrowedByIndex(child, indexed));
    case '[]':
      return narrowedByIndex(filter.filter, indexed);
    default:
      return isIndexedEq(filter, indexed);
  }
}

/**
 * Index entries skipped for the cost of one row read and compared: at a million users on SQLite, an
 * OFFSET of 999,000 in id order took 31–39 ms, a scan of the million rows with one LIKE 270–280 ms
 * (docs/performance.md).
 */
export const INDEX_ENTRIES_PER_ROW = 8;

/**
 * A search that reads at most a few index entries, whatever the organization's size: no sortBy, a
 * page up to CHEAP_OFFSET, and no filter or one that an index narrows without a subquery over the
 * organization's multi-valued elements. Only such a search runs on the event loop (SQLite).
 */
export function isCheapSearch(search: SearchShape, indexed = USER_INDEXED_EQ): boolean {
  if (search.sortBy !== undefined || search.offset > CHEAP_OFFSET) return false;
  return (
    !search.filter || (narrowedByIndex(search.filter, indexed) && comparisonsOf(search.filter, indexed).valueComparisons === 0)
  );
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
  const { filter, sortBy } = search;
  const narrowed = !filter || narrowedByIndex(filter);
  const comparisons = filter ? comparisonsOf(filter) : { singular: 0, valueComparisons: 0 };
  const parts: string[] = [];
  let rows = 0;
  if (!narrowed || sortBy) {
    // Every live user read, each comparison on a singular attribute evaluated on each.
    const perUser = narrowed ? 1 : Math.max(1, comparisons.singular);
    rows += size.users * perUser;
    parts.push(`${size.users.toLocaleString('en-US')} users${perUser > 1 ? ` × ${perUser} comparisons` : ''}`);
  } else if (search.offset > CHEAP_OFFSET) {
    // A deep page in id order: the index up to it.
    const skipped = Math.min(search.offset, size.users);
    rows += Math.ceil(skipped / INDEX_ENTRIES_PER_ROW);
    parts.push(`skipping ${skipped.toLocaleString('en-US')} users to startIndex`);
  }
  if (comparisons.valueComparisons) {
    const n = comparisons.valueComparisons;
    rows += n * size.values;
    parts.push(
      `${n} comparison${n > 1 ? 's' : ''} on multi-valued attributes × ${size.values.toLocaleString('en-US')} stored values`,
    );
  }
  if (sortBy && definitionOf(sortBy).definition.multiValued) {
    rows += size.values;
    parts.push(`sorting by a multi-valued attribute`);
  }
  return { rows, parts };
}

/**
 * What a filter compares: `singular`, comparisons evaluated on every user a scan reads (none inside
 * an `and` that an index narrows: they are checked on the few users it finds); `valueComparisons`,
 * comparisons each evaluated on every stored element of a multi-valued attribute (a subquery, read
 * whole wherever it stands; an indexed `eq` is a lookup instead, free).
 */
function comparisonsOf(filter: FilterNode, indexed = USER_INDEXED_EQ): { singular: number; valueComparisons: number } {
  const into = { singular: 0, valueComparisons: 0 };
  const visit = (node: FilterNode, onFoundUsers: boolean): void => {
    switch (node.op) {
      case 'and':
      case 'or': {
        const narrowed = onFoundUsers || (node.op === 'and' && narrowedByIndex(node, indexed));
        for (const child of node.filters) visit(child, narrowed);
        return;
      }
      case 'not':
        visit(node.filter, onFoundUsers);
        return;
      case '[]':
        // A value path of a singular complex attribute (`name[givenName eq "x"]`) is its filter; of a
        // multi-valued one, a subquery comparing each element with every term inside it.
        if (!definitionOf(node.path).definition.multiValued) visit(node.filter, onFoundUsers);
        else if (!narrowedByIndex(node.filter, indexed)) into.valueComparisons += terms(node.filter);
        return;
      default:
        if (definitionOf(node.path).definition.multiValued) {
          if (!isIndexedEq(node, indexed)) into.valueComparisons += 1;
        } else if (!onFoundUsers) into.singular += 1;
    }
  };
  visit(filter, false);
  return into;
}

/** The comparisons (eq, co, pr, …) in a filter. */
function terms(filter: FilterNode): number {
  switch (filter.op) {
    case 'and':
    case 'or':
      return filter.filters.reduce((sum, child) => sum + terms(child), 0);
    case 'not':
    case '[]':
      return terms(filter.filter);
    default:
      return 1;
  }
}
