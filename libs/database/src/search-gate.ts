/**
 * How many costly searches may hold a MySQL/MariaDB pool connection at once: at most `perKey` for
 * one fairness key (an organization) and at most `total` in all, so that however many requests one
 * organization sends, `pool - total` connections stay free for everything else (reads of single
 * users, every write, the other organizations' searches). Waiting searches are let in by turns of
 * key, as the SQLite search worker takes them. The wait counts towards nothing: the statement's own
 * time limit starts when it runs.
 *
 * The same turns serve TransactionRunner (transactions by organization, all connections but one) and
 * the large group changes of ScimGroupsService (one at a time per organization).
 */
export class SearchGate {
  private running = 0;
  private readonly runningByKey = new Map<string, number>();
  /** Waiters by key, keys in the order they first waited (a Map keeps insertion order). */
  private readonly waiting = new Map<string, Array<() => void>>();

  constructor(
    private readonly total: number,
    private readonly perKey: number,
  ) {}

  /** Runs `work` once the gate lets a search of `key` in. */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    if (!this.mayStart(key)) await new Promise<void>((resolve) => this.enqueue(key, resolve));
    else this.start(key);
    try {
      return await work();
    } finally {
      this.finish(key);
    }
  }

  private mayStart(key: string): boolean {
    return this.running < this.total && (this.runningByKey.get(key) ?? 0) < this.perKey && !this.waiting.has(key);
  }

  private start(key: string): void {
    this.running += 1;
    this.runningByKey.set(key, (this.runningByKey.get(key) ?? 0) + 1);
  }

  private enqueue(key: string, resolve: () => void): void {
    const queue = this.waiting.get(key);
    if (queue) queue.push(resolve);
    else this.waiting.set(key, [resolve]);
  }

  private finish(key: string): void {
    this.running -= 1;
    const left = (this.runningByKey.get(key) ?? 1) - 1;
    if (left === 0) this.runningByKey.delete(key);
    else this.runningByKey.set(key, left);
    this.admit();
  }

  /** Lets waiting searches in, one per key in turn, while there is room. */
  private admit(): void {
    for (let admitted = true; admitted && this.running < this.total;) {
      admitted = false;
      for (const key of [...this.waiting.keys()]) {
        if (this.running >= this.total) return;
        if ((this.runningByKey.get(key) ?? 0) >= this.perKey) continue;
        const queue = this.waiting.get(key)!;
        const next = queue.shift()!;
        // Its turn is over: the key goes to the back of the line.
        this.waiting.delete(key);
        if (queue.length) this.waiting.set(key, queue);
        this.start(key);
        next();
        admitted = true;
      }
    }
  }
}
