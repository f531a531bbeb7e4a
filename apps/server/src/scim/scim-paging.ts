import { BoundedMap } from '@app/database';
import { cursorListResponse, CursorListResponse, listResponse, ListQuery, ListResponse, ScimError } from '@app/scim-protocol';
import { Injectable } from '@nestjs/common';
import { hash } from 'node:crypto';
import { Clock } from '../common/clock';
import { CursorKey } from '../cursors/cursor-key';

/** Where a list's page starts, in the store's terms (the repositories' `offset`, `limit`, `afterId`). */
export interface PagePlan {
  /** 0-based, counted after `afterId` when there is one. */
  offset: number;
  /** Rows to read: cursor paging reads one more than it shows, to know whether a next page exists. */
  limit: number;
  /** Keyset paging: resources with a greater id only (the list is then in id order). */
  afterId?: number;
  /** The answer's form, and what is remembered of it. */
  readonly mode: 'cursor' | 'index';
  /** The query's identity (resource, organization, filter) when it is in id order; null when sorted by an attribute. */
  walk(): string | null;
  /** The 0-based position of the page's first resource in the list (index paging). */
  readonly position: number;
}

/**
 * Walks kept (their queries), positions kept per walk (a million users walked 100 at a time is 10,000) and
 * in all, and for how long after a walk's last page: its next page comes within seconds; Okta pauses
 * between imports. A walk needs its positions only while it goes on: 10,000 organizations importing
 * once an hour start ~2,500 walks in 15 minutes, most of a few pages. 100,000 positions (~5 MB) hold
 * five walks of a million users at once, or thousands of ordinary ones; past them the least recently
 * continued walks go. A forgotten walk's next page skips from the list's start (OFFSET), as a walk
 * spread over instances does: the same resources, at the cost of the skip.
 */
export const WALKS_KEPT = 10_000;
export const POSITIONS_KEPT = 100_000;
const POSITIONS_PER_WALK = 20_000;
const POSITION_TTL_MS = 15 * 60_000;
/** A walk is remembered under its query's text up to this length, under the text's SHA-256 beyond (a long filter). */
const WALK_KEY_MAX_CHARS = 256;

/**
 * How long a cursor stays valid after the page that gave it (RFC 9865 `cursorTimeout`, advertised in
 * /ServiceProviderConfig): a walk asks for its next page within seconds; one paused for an hour starts over.
 */
export const CURSOR_TIMEOUT_SECONDS = 3600;

/** The 400s of a list, as the OpenAPI document describes them. */
export const LIST_ERRORS = `SCIM Error: invalidFilter, invalidValue or tooMany for the query; invalidCursor for a cursor this server did not give for this query (resource, filter); expiredCursor for a cursor older than cursorTimeout (${CURSOR_TIMEOUT_SECONDS} s): start again with an empty cursor.`;

/**
 * Paging of SCIM lists (Users, Groups) so that a page costs the same wherever it is in the list.
 *
 * - **Index paging** (`startIndex`, what Okta and Entra send) walks a list page by page. For lists in
 *   the default order (by id, no `sortBy`), each full page's answer remembers where the next one
 *   starts: the position `startIndex - 1 + itemsPerPage` is the id of the page's last resource. The
 *   next request of the same query at that startIndex reads "id greater than that", an index seek,
 *   instead of skipping every earlier row with OFFSET. A walk across concurrent creates and deletes
 *   then never repeats or skips a resource that exists throughout (OFFSET skips one for every delete
 *   before the page). Any other startIndex skips from the nearest known position before it, so a
 *   page near one already served is a short skip too. Positions are kept in this process's memory
 *   (WALKS_KEPT queries and POSITIONS_KEPT positions in all, 15 minutes after a walk's last page): a sorted list, a startIndex with no
 *   known position before it, or a walk spread over several instances, skips from the list's start.
 * - **Cursor paging** (RFC 9865: `cursor`, then each answer's `nextCursor`) carries that position
 *   in the cursor itself, with the time it was given, sealed with an HMAC under the key every
 *   instance shares (CursorKey): it holds on any instance, a cursor the server did not give is
 *   `invalidCursor`, one older than CURSOR_TIMEOUT_SECONDS is `expiredCursor`. A cursor is bound to
 *   its query (resource, organization, filter); sortBy is refused with it.
 */
@Injectable()
export class ScimPaging {
  /** Per walk (query identity), the positions known. */
  private readonly walks = new BoundedMap<string, Positions>({
    maxEntries: WALKS_KEPT,
    onEvict: (_walk, positions) => (this.positionsKept -= positions.count),
  });
  /** Positions of every walk kept, at most POSITIONS_KEPT. */
  private positionsKept = 0;

  constructor(
    private readonly cursors: CursorKey,
    private readonly clock: Clock,
  ) {}

  plan(resource: string, organizationId: number, query: ListQuery): PagePlan {
    // Built when needed: most lists are a lookup (`userName eq`) that neither continues nor is continued.
    let identity: string | undefined;
    const walk = () =>
      query.sortBy ? null : (identity ??= `${resource}\u0000${organizationId}\u0000${JSON.stringify(query.filter ?? null)}`);
    if (query.cursor !== undefined) {
      if (query.sortBy) {
        throw ScimError.invalidValue(
          'Cursor paging returns resources in the order they were created, so sortBy cannot be combined with cursor; page a sorted list with startIndex.',
        );
      }
      return {
        mode: 'cursor',
        walk,
        offset: 0,
        limit: query.count === 0 ? 0 : query.count + 1,
        afterId: query.cursor === '' ? undefined : this.openCursor(query.cursor, walk()!),
        position: 0,
      };
    }
    const position = query.startIndex - 1;
    const known = position > 0 && !query.sortBy ? this.recall(walk()!, position) : undefined;
    return known === undefined
      ? { mode: 'index', walk, offset: position, limit: query.count, position }
      : { mode: 'index', walk, offset: position - known.position, limit: query.count, afterId: known.afterId, position };
  }

  /** The list's answer for a planned page, given the resources read (in order), their ids and the total. */
  respond<T>(
    plan: PagePlan,
    query: ListQuery,
    resources: T[],
    ids: readonly number[],
    total: number,
  ): ListResponse<T> | CursorListResponse<T> {
    if (plan.mode === 'cursor') {
      const more = resources.length > query.count;
      const shown = more ? resources.slice(0, query.count) : resources;
      return cursorListResponse(shown, total, more ? this.sealCursor(ids[query.count - 1], plan.walk()!) : undefined);
    }
    // Only a full page has a next one to continue; a lookup's single answer (Okta's `userName eq`) is not a walk.
    const walk = ids.length && ids.length === query.count ? plan.walk() : null;
    if (walk !== null) {
      const positions = this.positionsOf(walk);
      this.positionsKept += positions.set(plan.position + ids.length, ids[ids.length - 1]);
      // A page reached by skipping rows (OFFSET) also tells where it starts: a page near it is then a short skip.
      if (plan.offset > 0) this.positionsKept += positions.set(plan.position, ids[0] - 1);
      while (this.positionsKept > POSITIONS_KEPT && this.walks.evictOne());
    }
    return listResponse(resources, total, query.startIndex);
  }

  /** `<after id>.<issued, Unix seconds>.<MAC>`, sealed for this walk (its query). */
  private sealCursor(afterId: number, walk: string): string {
    return this.cursors.seal(`scim\u0000${walk}`, [afterId, Math.floor(this.clock.now().getTime() / 1000)]);
  }

  private openCursor(cursor: string, walk: string): number {
    const fields = this.cursors.open(`scim\u0000${walk}`, cursor);
    if (!fields || fields.length !== 2) {
      throw new ScimError(
        400,
        "This cursor is not one this server gave for this query: send the same filter as the request that returned it, or an empty cursor for the first page, then each answer's nextCursor.",
        'invalidCursor',
      );
    }
    const [afterId, issued] = fields;
    if (Math.floor(this.clock.now().getTime() / 1000) - issued > CURSOR_TIMEOUT_SECONDS) {
      throw new ScimError(
        400,
        `This cursor has expired: a cursor is valid for ${CURSOR_TIMEOUT_SECONDS} seconds after the page that gave it (cursorTimeout). Start the walk again with an empty cursor.`,
        'expiredCursor',
      );
    }
    return afterId;
  }

  /** Walks and positions kept now (read-only, for the bounds' tests). */
  get kept(): { walks: number; positions: number } {
    return { walks: this.walks.size, positions: this.positionsKept };
  }

  /** The nearest known position at or before `position` in this walk. */
  private recall(walk: string, position: number): { position: number; afterId: number } | undefined {
    const key = walkKey(walk);
    const positions = this.walks.get(key);
    if (!positions) return undefined;
    if (positions.usedAt < Date.now() - POSITION_TTL_MS) {
      this.walks.delete(key);
      this.positionsKept -= positions.count;
      return undefined;
    }
    return positions.atOrBefore(position);
  }

  private positionsOf(walk: string): Positions {
    const key = walkKey(walk);
    let positions = this.walks.get(key);
    if (!positions) this.walks.set(key, (positions = new Positions()));
    positions.usedAt = Date.now();
    return positions;
  }
}

function walkKey(walk: string): string {
  return walk.length <= WALK_KEY_MAX_CHARS ? walk : `sha256:${hash('sha256', walk, 'base64')}`;
}

/** One walk's known positions: after how many resources (ascending) comes which id. */
class Positions {
  usedAt = 0;
  private readonly sorted: number[] = [];
  private readonly afterIds = new Map<number, number>();

  get count(): number {
    return this.sorted.length;
  }

  /** Remembers a position; returns how many more positions the walk holds (1 or 0). */
  set(position: number, afterId: number): number {
    let added = 0;
    if (!this.afterIds.has(position)) {
      if (this.sorted.length >= POSITIONS_PER_WALK) this.afterIds.delete(this.sorted.splice(0, 1)[0]);
      else added = 1;
      this.sorted.splice(this.indexAfter(position), 0, position);
    }
    this.afterIds.set(position, afterId);
    return added;
  }

  atOrBefore(position: number): { position: number; afterId: number } | undefined {
    const i = this.indexAfter(position) - 1;
    if (i < 0) return undefined;
    const known = this.sorted[i];
    return { position: known, afterId: this.afterIds.get(known)! };
  }

  /** The index of the first known position above `position`. */
  private indexAfter(position: number): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.sorted[middle] <= position) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
