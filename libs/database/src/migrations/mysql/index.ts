import { Initial1795885596704 } from './1795885596704-Initial';

/** Applied in this order; add each new migration at the end. */
export const MYSQL_MIGRATIONS = [Initial1795885596704];
