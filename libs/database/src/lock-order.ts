import type { EntityManager } from 'typeorm';

/**
 * Row locks are taken in one global order, so that two transactions never wait for each other:
 * the organization's row, then users by id, then groups (and their members and role mappings).
 *
 * Most transactions know at their start which locks they need. A user's change does not: only
 * after reading the user under its lock does it learn whether it takes away an active Admin, and
 * so needs its organization's lock (the last-Admin rule), which comes before the user's. It then
 * throws LockFirst; TransactionRunner rolls the transaction back and runs it once more, taking that
 * lock first. Taking the organization's lock up front instead would serialize every change of an
 * organization's users; a rollback on the rare change that demotes an Admin costs far less.
 */
export class LockFirst extends Error {
  constructor(
    /** Takes the lock, in the new transaction, before its work runs again. */
    readonly take: (manager: EntityManager) => Promise<void>,
    what: string,
  ) {
    super(`${what} must be locked before the rows this transaction has locked; run it again with that lock first.`);
    this.name = 'LockFirst';
  }
}
