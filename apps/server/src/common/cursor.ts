import { badRequest } from './app-error';

/** Cursor paging like Torii's public API: `?size=&cursor=` in, `nextCursor` out. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** Cursors are opaque: base64url of the last id seen. */
export function encodeCursor(lastId: number): string {
  return Buffer.from(`id:${lastId}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0;
  const match = /^id:(\d{1,10})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match)
    throw badRequest('cursor is not a cursor this API returned; start again without it.', 'invalidValue', [
      { field: 'cursor', message: 'cursor is not a cursor this API returned' },
    ]);
  return Number(match[1]);
}
