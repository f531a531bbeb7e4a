import { BoundedMap, MAX_SPARED } from './bounded-map';

describe('BoundedMap', () => {
  it('should never hold more than maxEntries, however many distinct keys are set', () => {
    const map = new BoundedMap<string, number>({ maxEntries: 1000 });
    let most = 0;
    for (let i = 0; i < 20_000; i++) {
      map.set(`key ${i}`, i);
      most = Math.max(most, map.size);
    }
    expect(most).toBe(1000);
    expect(map.size).toBe(1000);
    // The newest are kept when nothing is read: the oldest go first.
    expect(map.get('key 19999')).toBe(19999);
    expect(map.get('key 19000')).toBe(19000);
    expect(map.get('key 18999')).toBeUndefined();
  });

  it('should keep what is read and drop what is not (second chance), and tell what it dropped', () => {
    const evicted: string[] = [];
    const map = new BoundedMap<string, number>({ maxEntries: 3, onEvict: (key) => evicted.push(key) });
    map.set('hot', 0).set('a', 1).set('b', 2);
    for (let i = 0; i < 100; i++) {
      expect(map.get('hot')).toBe(0);
      map.set(`cold ${i}`, i);
      expect(map.size).toBe(3);
    }
    expect(map.has('hot')).toBe(true);
    expect(evicted).toHaveLength(100);
    expect(evicted.slice(0, 2)).toEqual(['a', 'b']);
    expect(evicted).not.toContain('hot');
  });

  it('should not drop the entry just set when every other one was read', () => {
    const map = new BoundedMap<number, number>({ maxEntries: 4 });
    for (let i = 0; i < 4; i++) map.set(i, i);
    for (let i = 0; i < 4; i++) map.get(i);
    map.set(99, 99);
    expect(map.get(99)).toBe(99);
    expect(map.size).toBe(4);
    // One of the old ones went: the oldest, once every one had had its second chance.
    expect(map.has(0)).toBe(false);
  });

  it('should not return an entry older than maxAgeMs, and drop it', () => {
    let now = 1_000;
    const evicted: string[] = [];
    const map = new BoundedMap<string, string>({
      maxEntries: 10,
      maxAgeMs: 1000,
      now: () => now,
      onEvict: (key) => evicted.push(key),
    });
    map.set('a', 'A');
    now += 999;
    expect(map.get('a')).toBe('A');
    now += 1;
    expect(map.has('a')).toBe(false);
    expect(map.get('a')).toBeUndefined();
    expect(map.size).toBe(0);
    expect(evicted).toEqual(['a']);
    // A set starts the age again.
    map.set('a', 'A2');
    now += 500;
    map.set('a', 'A3');
    now += 700;
    expect(map.get('a')).toBe('A3');
  });

  it('should drop a too old entry before one that is merely unused', () => {
    let now = 0;
    const map = new BoundedMap<string, number>({ maxEntries: 2, maxAgeMs: 100, now: () => now });
    map.set('old', 1);
    now = 50;
    map.set('young', 2);
    map.get('old');
    now = 120;
    map.set('new', 3);
    expect([...map.keys()].sort()).toEqual(['new', 'young']);
  });

  it('should iterate the live entries, and evict on demand', () => {
    let now = 0;
    const map = new BoundedMap<string, number>({ maxEntries: 5, maxAgeMs: 10, now: () => now });
    map.set('a', 1);
    now = 5;
    map.set('b', 2).set('c', 3);
    now = 12;
    expect([...map]).toEqual([
      ['b', 2],
      ['c', 3],
    ]);
    expect([...map.values()]).toEqual([2, 3]);
    expect(map.evictOne()).toBe(true);
    expect(map.evictOne()).toBe(true);
    expect(map.evictOne()).toBe(true);
    expect(map.evictOne()).toBe(false);
    expect(map.delete('b')).toBe(false);
  });

  it('should keep spared entries over read ones, passing over at most MAX_SPARED of them an eviction', () => {
    const map = new BoundedMap<string, number>({ maxEntries: 10, spare: (_key, value) => value < 0 });
    map.set('spared', -1);
    for (let i = 0; i < 1000; i++) {
      map.set(`k${i}`, i);
      // Every entry is read twice: without `spare`, the oldest would go when a scan finds every one read.
      map.get(`k${i}`);
    }
    expect(map.get('spared')).toBe(-1);
    expect(map.size).toBe(10);
    // When more than MAX_SPARED are spared, entries still go: the bound holds.
    const all = new BoundedMap<number, number>({ maxEntries: MAX_SPARED * 2, spare: () => true });
    for (let i = 0; i < MAX_SPARED * 10; i++) all.set(i, i);
    expect(all.size).toBe(MAX_SPARED * 2);
  });

  it('should agree with a Map on every value it still holds, through random sets, reads and deletes', () => {
    let seed = 42;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n) as number;
    const evicted = new Set<number>();
    const map = new BoundedMap<number, number>({ maxEntries: 50, onEvict: (key) => evicted.add(key) });
    const reference = new Map<number, number>();
    for (let i = 0; i < 20_000; i++) {
      const key = random(200);
      const op = random(10);
      if (op < 5) {
        map.set(key, i);
        reference.set(key, i);
        evicted.delete(key);
      } else if (op < 8) {
        const value = map.get(key);
        if (value !== undefined) expect(value).toBe(reference.get(key));
      } else {
        expect(map.delete(key)).toBe(reference.has(key) && !evicted.has(key));
        reference.delete(key);
      }
      expect(map.size).toBeLessThanOrEqual(50);
    }
    // What it holds is exactly what was set and neither deleted nor evicted since.
    expect(new Map(map)).toEqual(new Map([...reference].filter(([key]) => !evicted.has(key))));
  });

  it('should refuse a bound below one entry', () => {
    expect(() => new BoundedMap({ maxEntries: 0 })).toThrow(RangeError);
  });
});
