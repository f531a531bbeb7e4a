/** Lets the event loop serve what is waiting (I/O, timers, other requests) before the caller goes on. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** How long a scheduled job may hold the event loop between two turns, by default. */
export const JOB_SLICE_MS = 5;

/**
 * Paces a job's loop: `pace()` gives the event loop a turn once the job has held it `sliceMs` since
 * its last turn, and costs nothing otherwise. SQLite's statements are synchronous, and awaiting one
 * resolves in a microtask: a loop of them never lets a request in unless it yields like this. On
 * MySQL/MariaDB each statement already waits for the network; the turn is then merely cheap.
 */
export class Pacer {
  private since = performance.now();

  constructor(private readonly sliceMs = JOB_SLICE_MS) {}

  async pace(): Promise<void> {
    if (performance.now() - this.since < this.sliceMs) return;
    await nextTurn();
    this.since = performance.now();
  }
}
