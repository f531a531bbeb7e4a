import { Initial1795885161671 } from './1795885161671-Initial';

/** Applied in this order; add each new migration at the end. */
export const SQLITE_MIGRATIONS = [Initial1795885161671];
