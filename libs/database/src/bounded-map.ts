export interface BoundedMapOptions<K, V> {
  /** Entries kept at most; one more `set` drops one (see BoundedMap). */
  maxEntries: number;
  /** An entry this old (milliseconds since its `set`) is never returned again, and is the first to go. */
  maxAgeMs?: number;
  /** The clock ages are measured on (milliseconds); Date.now by default. Read only when maxAgeMs is set. */
  now?: () => number;
  /** Called for each entry the map drops by itself (over the bound, or too old), not for `delete` or `clear`. */
  onEvict?: (key: K, value: V) => void;
  /**
   * Entries to keep while another can go, whether read or not (a rate limit's bucket that is refusing
   * its key): each eviction passes over at most MAX_SPARED of them, so that it stays O(1).
   */
  spare?: (key: K, value: V) => boolean;
}

/** Spared entries one eviction passes over at most; past them the next entry goes, spared or not. */
export const MAX_SPARED = 32;

/**
 * A Map bounded in entries and, optionally, in age: the per-process state keyed by something that
 * grows with tenants or traffic (keys, organizations, walks, statement texts) is kept in one of these,
 * so that a process serving 10,000 organizations holds no more than its bound (docs/performance.md,
 * "Bounds of per-process state").
 *
 * Entries sit in slots of a ring, found through a Map from key to slot, and a hand goes round the
 * ring to choose what to drop: "second chance" (CLOCK), the usual approximation of least recently
 * used that moves nothing on a hit.
 * - `get` is O(1) and allocates nothing: a hit marks the entry read; an entry older than maxAgeMs
 *   is a miss, and is dropped.
 * - `set` of a new key past maxEntries drops one entry, the first from the hand on that is too old,
 *   or not read since the hand last passed it (and not spared); read ones are marked unread as the
 *   hand passes them. Each pass over a read entry undoes one earlier `get` (or is one of at most
 *   MAX_SPARED), so a `set` costs O(1) amortised. The new entry takes the freed slot, just behind the
 *   hand: it is looked at last.
 *
 * Not a Map with "delete the first key" eviction: V8 leaves a deleted entry as a hole that iteration
 * skips one by one until the table is rebuilt, so finding the oldest key of a Map that evicts at its
 * bound costs O(size): 17 µs at 50,000 entries, 100 µs at 200,000 (docs/performance.md).
 *
 * Dropping an entry must never change an answer: callers keep here only what they can compute again.
 */
export class BoundedMap<K, V> implements Iterable<[K, V]> {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  private readonly slotOf = new Map<K, number>();
  private readonly keyAt: Array<K | undefined> = [];
  private readonly valueAt: Array<V | undefined> = [];
  private readonly setAt: number[] = [];
  private readonly readAt: boolean[] = [];
  /** Slots emptied by `delete` or age, taken before the ring grows or an entry is evicted. */
  private readonly free: number[] = [];
  private hand = 0;
  private readonly now: () => number;
  private readonly onEvict?: (key: K, value: V) => void;
  private readonly spare?: (key: K, value: V) => boolean;

  constructor(options: BoundedMapOptions<K, V>) {
    if (!(options.maxEntries >= 1)) throw new RangeError('A BoundedMap keeps at least one entry.');
    this.maxEntries = options.maxEntries;
    this.maxAgeMs = options.maxAgeMs ?? Infinity;
    this.now = options.now ?? Date.now;
    this.onEvict = options.onEvict;
    this.spare = options.spare;
  }

  get size(): number {
    return this.slotOf.size;
  }

  get(key: K): V | undefined {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return undefined;
    if (this.maxAgeMs !== Infinity && this.expired(slot)) {
      this.evictAt(slot);
      this.free.push(slot);
      return undefined;
    }
    this.readAt[slot] = true;
    return this.valueAt[slot];
  }

  has(key: K): boolean {
    const slot = this.slotOf.get(key);
    return slot !== undefined && !(this.maxAgeMs !== Infinity && this.expired(slot));
  }

  /** Adds, or replaces (a replaced entry's age starts again, and it counts as read). */
  set(key: K, value: V): this {
    const at = this.maxAgeMs === Infinity ? 0 : this.now();
    let slot = this.slotOf.get(key);
    if (slot !== undefined) {
      this.valueAt[slot] = value;
      this.setAt[slot] = at;
      this.readAt[slot] = true;
      return this;
    }
    if (this.free.length) slot = this.free.pop()!;
    else if (this.keyAt.length < this.maxEntries) slot = this.keyAt.length;
    else slot = this.victim();
    this.keyAt[slot] = key;
    this.valueAt[slot] = value;
    this.setAt[slot] = at;
    this.readAt[slot] = false;
    this.slotOf.set(key, slot);
    return this;
  }

  delete(key: K): boolean {
    const slot = this.slotOf.get(key);
    if (slot === undefined) return false;
    this.empty(key, slot);
    this.free.push(slot);
    return true;
  }

  clear(): void {
    this.slotOf.clear();
    this.keyAt.length = 0;
    this.valueAt.length = 0;
    this.setAt.length = 0;
    this.readAt.length = 0;
    this.free.length = 0;
    this.hand = 0;
  }

  /** Entries in the order their keys were first set (a replaced one keeps its place), too old ones left out. */
  *[Symbol.iterator](): IterableIterator<[K, V]> {
    for (const [key, slot] of this.slotOf) {
      if (!(this.maxAgeMs !== Infinity && this.expired(slot))) yield [key, this.valueAt[slot] as V];
    }
  }

  *keys(): IterableIterator<K> {
    for (const [key] of this) yield key;
  }

  *values(): IterableIterator<V> {
    for (const [, value] of this) yield value;
  }

  /** Drops the entry eviction would drop next (for a caller with a bound of its own, e.g. a total size); false when empty. */
  evictOne(): boolean {
    if (!this.slotOf.size) return false;
    this.free.push(this.victim());
    return true;
  }

  /** Evicts the entry under the hand, or past it (see the class), and returns its emptied slot. */
  private victim(): number {
    const ring = this.keyAt.length;
    let spared = 0;
    for (let passed = 0; ; passed++) {
      const slot = this.hand;
      this.hand = slot + 1 === ring ? 0 : slot + 1;
      if (this.slotOf.get(this.keyAt[slot] as K) !== slot) continue; // a free slot (only when evictOne is called with some)
      // Past two turns every read mark is cleared and MAX_SPARED were spared: this one goes.
      if (passed < 2 * ring + MAX_SPARED && !(this.maxAgeMs !== Infinity && this.expired(slot))) {
        if (this.readAt[slot]) {
          this.readAt[slot] = false;
          continue;
        }
        if (this.spare !== undefined && spared < MAX_SPARED && this.spare(this.keyAt[slot] as K, this.valueAt[slot] as V)) {
          spared += 1;
          continue;
        }
      }
      this.evictAt(slot);
      return slot;
    }
  }

  private evictAt(slot: number): void {
    const key = this.keyAt[slot] as K;
    const value = this.valueAt[slot] as V;
    this.empty(key, slot);
    this.onEvict?.(key, value);
  }

  private empty(key: K, slot: number): void {
    this.slotOf.delete(key);
    this.keyAt[slot] = undefined;
    this.valueAt[slot] = undefined;
  }

  private expired(slot: number): boolean {
    return this.now() - this.setAt[slot] >= this.maxAgeMs;
  }
}
