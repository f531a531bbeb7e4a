/** Cursor paging like Torii's public API: `?size=&cursor=` in, `nextCursor` out (the cursors: cursors/admin-cursors.ts). */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
