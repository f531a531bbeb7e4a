import type { QueryRunner } from 'typeorm';

/** A write sent with its transaction's COMMIT. */
export interface TailWrite {
  sql: string;
  params: unknown[];
}

/** The transactions (MySQL/MariaDB, TransactionRunner's) that take writes for their COMMIT, and those writes. */
const tails = new WeakMap<QueryRunner, TailWrite[]>();

/**
 * On MySQL/MariaDB every statement is a round trip, and some writes of a transaction have a result
 * nothing later in it reads: the audit event of a change, the user count's delta, the UPDATE of a
 * locked row the transaction is done with. TransactionRunner opens a tail on its transactions;
 * writes queued there (Statements.writeAtCommit) go to the server with the COMMIT, in the same round
 * trip (one multi-statement query), and a failing one fails the COMMIT: the change rolls back with
 * it, as if it had failed where it was queued.
 */
export function openTail(runner: QueryRunner): void {
  tails.set(runner, []);
}

/** Queues a write for the COMMIT of the runner's transaction; false when it has no tail (run it now). */
export function queueForCommit(runner: QueryRunner | undefined, write: TailWrite): boolean {
  const tail = runner?.isTransactionActive ? tails.get(runner) : undefined;
  if (!tail) return false;
  tail.push(write);
  return true;
}

/** Whether the runner's transaction takes writes for its COMMIT (a TransactionRunner transaction on MySQL/MariaDB). */
export function hasTail(runner: QueryRunner | undefined): boolean {
  return !!runner?.isTransactionActive && tails.has(runner);
}

/** The queued writes, removed from the tail (which stays open). */
export function takeTail(runner: QueryRunner): TailWrite[] {
  const tail = tails.get(runner) ?? [];
  tails.set(runner, []);
  return tail;
}

/** Closes the tail (the transaction ended). */
export function closeTail(runner: QueryRunner): void {
  tails.delete(runner);
}

/** Work to run once a transaction has committed and given its connection back (TransactionRunner.afterCommit). */
const afterCommits = new WeakMap<QueryRunner, Array<() => Promise<void>>>();

/** Queues `work` for after the runner's transaction commits; false when it has no tail (SQLite, or not TransactionRunner's). */
export function queueAfterCommit(runner: QueryRunner | undefined, work: () => Promise<void>): boolean {
  if (!runner?.isTransactionActive || !tails.has(runner)) return false;
  const queued = afterCommits.get(runner) ?? [];
  queued.push(work);
  afterCommits.set(runner, queued);
  return true;
}

/** The work queued for after the commit, removed. */
export function takeAfterCommit(runner: QueryRunner): Array<() => Promise<void>> {
  const queued = afterCommits.get(runner) ?? [];
  afterCommits.delete(runner);
  return queued;
}

/** A read sent after a transaction's COMMIT, in the same round trip, and who gets its rows (Statements.readAfterCommit). */
export interface ReadAfterCommit {
  sql: string;
  params: unknown[];
  /** Gets the rows (arrays of column values) right after the COMMIT; never called if the transaction rolls back. */
  deliver: (rows: unknown[][]) => void;
}

const reads = new WeakMap<QueryRunner, ReadAfterCommit>();

/** Queues the read for after the runner's COMMIT (one a transaction: a later one replaces it); false when it has no tail. */
export function queueReadAfterCommit(runner: QueryRunner | undefined, read: ReadAfterCommit): boolean {
  if (!runner?.isTransactionActive || !tails.has(runner)) return false;
  reads.set(runner, read);
  return true;
}

/** The read queued for after the COMMIT, removed. */
export function takeReadAfterCommit(runner: QueryRunner): ReadAfterCommit | undefined {
  const read = reads.get(runner);
  reads.delete(runner);
  return read;
}
