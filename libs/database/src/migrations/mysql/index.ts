import { Initial1795885163354 } from './1795885163354-Initial';

/** Applied in this order; add each new migration at the end. */
export const MYSQL_MIGRATIONS = [Initial1795885163354];
