import { SearchGate } from './search-gate';

/** A search that runs until released, recording when it started. */
function controllable(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { work: () => (log.push(name), done.then(() => name)), release: () => release() };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SearchGate', () => {
  it('should hold one key to its share, and keep the rest of the room for other keys', async () => {
    const gate = new SearchGate(3, 2);
    const started: string[] = [];
    const a = [1, 2, 3, 4].map((i) => controllable(started, `a${i}`));
    const b = controllable(started, 'b1');
    const results = a.map((s) => gate.run('a', s.work));
    await tick();
    expect(started).toEqual(['a1', 'a2']);
    const other = gate.run('b', b.work);
    await tick();
    expect(started).toEqual(['a1', 'a2', 'b1']);
    a[0].release();
    await tick();
    expect(started).toEqual(['a1', 'a2', 'b1', 'a3']);
    b.release();
    a[1].release();
    await tick();
    expect(started).toEqual(['a1', 'a2', 'b1', 'a3', 'a4']);
    a[2].release();
    a[3].release();
    expect(await Promise.all([...results, other])).toEqual(['a1', 'a2', 'a3', 'a4', 'b1']);
  });

  it('should let waiting keys in by turns when the total is the limit', async () => {
    const gate = new SearchGate(1, 1);
    const started: string[] = [];
    const searches = ['a1', 'a2', 'a3', 'b1', 'c1'].map((name) => ({ name, ...controllable(started, name) }));
    const results = searches.map((s) => gate.run(s.name[0], s.work));
    for (let i = 0; i < searches.length; i++) {
      await tick();
      const running = started[started.length - 1];
      searches.find((s) => s.name === running)!.release();
    }
    await Promise.all(results);
    // a was the first key to wait, so a2 goes next; then b and c have their turns before a's third search.
    expect(started).toEqual(['a1', 'a2', 'b1', 'c1', 'a3']);
  });

  it('should free its place when a search fails', async () => {
    const gate = new SearchGate(1, 1);
    await expect(gate.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(gate.run('a', () => Promise.resolve('next'))).resolves.toBe('next');
  });
});
