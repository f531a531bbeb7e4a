import { Worker } from 'node:worker_threads';

/** Raised when a statement runs longer than its time limit (the caller answers 400 tooMany). */
export class StatementTimeoutError extends Error {
  readonly code = 'STATEMENT_TIMEOUT';
  constructor(readonly timeoutMs: number) {
    super(`The statement ran longer than ${timeoutMs} ms and was stopped.`);
  }
}

/**
 * The worker: its own read-only connection to the same SQLite file (WAL lets it read while the
 * main connection writes), the same `lower` as the main connection (data-source-options.ts), raw
 * rows, prepared statements kept. Plain JavaScript, so that it runs from the TypeScript sources
 * (tests) and from dist alike.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.function('lower', { deterministic: true }, (value) => (typeof value === 'string' ? value.toLowerCase() : value));
const statements = new Map();
parentPort.postMessage({ ready: true });
parentPort.on('message', ({ sql, params }) => {
  try {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql).raw(true);
      statements.set(sql, statement);
      if (statements.size > 200) statements.delete(statements.keys().next().value);
    }
    parentPort.postMessage({ rows: statement.all(...params) });
  } catch (error) {
    parentPort.postMessage({ error: { message: error.message, code: error.code } });
  }
});
`;

interface Task {
  sql: string;
  params: unknown[];
  resolve: (rows: unknown[][]) => void;
  reject: (error: Error) => void;
}

/**
 * Runs SQLite SELECTs that may be expensive (SCIM searches) off the event loop, on one worker
 * thread, so that a costly filter of one organization never stalls the process: other requests,
 * health checks and other organizations' reads go on meanwhile. better-sqlite3 is synchronous, so
 * on the main thread one 5-second statement froze everything for 5 seconds.
 *
 * - **Time limit**: a statement still running after `timeoutMs` is stopped by terminating the
 *   worker (SQLite has no other way to interrupt it from outside); it fails with
 *   StatementTimeoutError and a fresh worker takes the next one.
 * - **Fair**: one statement runs at a time; waiting ones are taken in turns by `fairnessKey` (the
 *   organization), so an organization that sends many expensive searches delays another's by at
 *   most one statement, itself bounded by the time limit.
 */
const IDLE_MS = 30_000;
/** Time a new worker may take to start (load the driver, open the file) before its first statement's limit runs. */
const STARTUP_MS = 5_000;

export class SqliteSearchWorker {
  private worker?: Worker;
  /** Whether the worker has opened its connection: a statement's time limit starts then, not while it starts. */
  private ready = false;
  private running?: { task: Task; timer: NodeJS.Timeout; stop: () => void };
  /** An idle worker is stopped after a while: its connection and V8 heap cost ~30 MB. */
  private idle?: NodeJS.Timeout;
  private readonly queues = new Map<string, Task[]>();

  constructor(
    private readonly path: string,
    private readonly timeoutMs: number,
  ) {}

  rows(sql: string, params: unknown[], fairnessKey: string): Promise<unknown[][]> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(fairnessKey);
      const task = { sql, params, resolve, reject };
      if (queue) queue.push(task);
      else this.queues.set(fairnessKey, [task]);
      this.next();
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.idle);
    if (this.running) return; // busy again: the next idle period closes it
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private next(): void {
    if (this.running) return;
    // Maps iterate in insertion order: take the first organization's oldest task, then move that
    // organization to the back of the line.
    const first = this.queues.entries().next();
    if (first.done) {
      clearTimeout(this.idle);
      this.idle = setTimeout(() => void this.close(), IDLE_MS).unref();
      return;
    }
    clearTimeout(this.idle);
    const [key, queue] = first.value;
    const task = queue.shift()!;
    this.queues.delete(key);
    if (queue.length) this.queues.set(key, queue);
    const worker = this.ensureWorker();
    const stop = () => {
      this.running = undefined;
      this.worker = undefined;
      void worker.terminate();
      task.reject(new StatementTimeoutError(this.timeoutMs));
      this.next();
    };
    // A worker still starting gets STARTUP_MS more; its 'ready' restarts the limit from zero.
    const timer = setTimeout(stop, this.ready ? this.timeoutMs : this.timeoutMs + STARTUP_MS);
    this.running = { task, timer, stop };
    worker.postMessage({ sql: task.sql, params: task.params });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver: require.resolve('better-sqlite3'), path: this.path },
    });
    worker.on('message', (message: { ready?: true; rows?: unknown[][]; error?: { message: string; code?: string } }) => {
      const running = this.running;
      if (this.worker !== worker) return;
      if (message.ready) {
        this.ready = true;
        if (running) {
          clearTimeout(running.timer);
          running.timer = setTimeout(running.stop, this.timeoutMs);
        }
        return;
      }
      if (!running) return;
      clearTimeout(running.timer);
      this.running = undefined;
      if (message.error) running.task.reject(Object.assign(new Error(message.error.message), { code: message.error.code }));
      else running.task.resolve(message.rows!);
      this.next();
    });
    worker.on('error', (error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const running = this.running;
      this.running = undefined;
      if (running) {
        clearTimeout(running.timer);
        running.task.reject(error);
      }
      this.next();
    });
    // After the listeners (adding one refs the worker again): an idle worker never keeps the process alive.
    worker.unref();
    this.worker = worker;
    this.ready = false;
    return worker;
  }
}
