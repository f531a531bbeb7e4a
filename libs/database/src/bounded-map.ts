export interface BoundedMapOptions<K, V> {
  /** Entries kept at most; one more `set` drops one (see BoundedMap). */
  maxEntries: number;
  /** An entry this old (milliseconds since its `set`) is never returned again, and is the first to go. */
  maxAgeMs?: number;
  /** The clock ages are measured on (milliseconds); Date.now by default. Read only when maxAgeMs is set. */
  now?: () => number;
  /** Called for each entry the map drops by itself (over the bound, or too old), not for `delete` or `clear`. */
  onEvict?: (key: K, value: V) => void;
}

/** An entry and what eviction needs of it; a class, so every entry has one shape. */
class Entry<V> {
  constructor(
    public value: V,
    public readonly at: number,
    /** Read since it was set or the eviction scan last passed it. */
    public used: boolean,
  ) {}
}

/**
 * A Map bounded in entries and, optionally, in age: the per-process state keyed by something that
 * grows with tenants or traffic (keys, organizations, walks, statement texts) is kept in one of these,
 * so that a process serving 10,000 organizations holds no more than its bound (docs/performance.md,
 * "Bounds of per-process state").
 *
 * - `get` is O(1) and allocates nothing: a hit marks the entry used; an entry older than maxAgeMs
 *   is a miss, and is dropped.
 * - `set` puts the entry at the back. Past maxEntries one entry goes, chosen from the front
 *   ("second chance", the CLOCK approximation of least-recently-used): one too old goes; one used
 *   since the scan last passed it is kept, marked unused and moved to the back; the first other one
 *   goes. So what is read goes last, as with LRU, without a hit moving anything; each move undoes
 *   one earlier `get` or `set`, so a `set` costs O(1) amortised.
 *
 * Dropping an entry must never change an answer: callers keep here only what they can compute again.
 */
export class BoundedMap<K, V> implements Iterable<[K, V]> {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  private readonly entries = new Map<K, Entry<V>>();
  private readonly now: () => number;
  private readonly onEvict?: (key: K, value: V) => void;

  constructor(options: BoundedMapOptions<K, V>) {
    if (!(options.maxEntries >= 1)) throw new RangeError('A BoundedMap keeps at least one entry.');
    this.maxEntries = options.maxEntries;
    this.maxAgeMs = options.maxAgeMs ?? Infinity;
    this.now = options.now ?? Date.now;
    this.onEvict = options.onEvict;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.maxAgeMs !== Infinity && this.expired(entry)) {
      this.entries.delete(key);
      this.onEvict?.(key, entry.value);
      return undefined;
    }
    entry.used = true;
    return entry.value;
  }

  has(key: K): boolean {
    const entry = this.entries.get(key);
    return entry !== undefined && !(this.maxAgeMs !== Infinity && this.expired(entry));
  }

  /** Adds or replaces (a replaced entry is new: its age starts again, at the back). */
  set(key: K, value: V): this {
    this.entries.delete(key);
    this.entries.set(key, new Entry(value, this.maxAgeMs === Infinity ? 0 : this.now(), false));
    if (this.entries.size > this.maxEntries) this.evictOne(key);
    return this;
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Entries from the oldest set, too old ones left out. */
  *[Symbol.iterator](): IterableIterator<[K, V]> {
    for (const [key, entry] of this.entries) if (!(this.maxAgeMs !== Infinity && this.expired(entry))) yield [key, entry.value];
  }

  *keys(): IterableIterator<K> {
    for (const [key] of this) yield key;
  }

  *values(): IterableIterator<V> {
    for (const [, value] of this) yield value;
  }

  /**
   * Drops the entry eviction would drop next, other than `keep` (the entry just set, or the one a caller
   * with a bound of its own, e.g. a total size, is adding to); false when there is none.
   */
  evictOne(keep?: K): boolean {
    for (let passed = 0; passed <= 2 * this.entries.size; passed++) {
      const first = this.entries.entries().next();
      if (first.done) return false;
      const [key, entry] = first.value;
      this.entries.delete(key);
      if (key === keep || (entry.used && !(this.maxAgeMs !== Infinity && this.expired(entry)))) {
        if (key !== keep) entry.used = false;
        this.entries.set(key, entry);
        continue;
      }
      this.onEvict?.(key, entry.value);
      return true;
    }
    return false;
  }

  private expired(entry: Entry<V>): boolean {
    return this.now() - entry.at >= this.maxAgeMs;
  }
}
