import { Injectable } from '@nestjs/common';
import { badRequest } from '../common/app-error';
import { CursorKey } from './cursor-key';

/** The admin API's lists that page with a cursor. */
export type AdminList = 'users' | 'groups' | 'audit-log' | 'notifications' | 'deleted-users' | 'scim-requests';

/**
 * Cursors of the admin API's lists (`?cursor=`, `nextCursor`): the last id of the page, sealed for
 * its list and organization. A cursor the server did not give, or one of another list or
 * organization, is a 400 naming `cursor`. They do not expire (docs/decisions.md): a cursor holds
 * a position in a list ordered by id, not server state, and the settings UI may hold one for days
 * in a tab left open.
 */
@Injectable()
export class AdminCursors {
  constructor(private readonly key: CursorKey) {}

  encode(list: AdminList, organizationId: number, lastId: number): string {
    return this.key.seal(scopeOf(list, organizationId), [lastId]);
  }

  /** The last id a cursor names; 0 (the start) when there is none. */
  decode(list: AdminList, organizationId: number, cursor: string | undefined): number {
    if (cursor === undefined || cursor === '') return 0;
    const fields = this.key.open(scopeOf(list, organizationId), cursor);
    if (!fields || fields.length !== 1) {
      throw badRequest(
        'cursor is not a cursor this list returned: send the nextCursor of the previous page, or start again without cursor.',
        'invalidValue',
        [{ field: 'cursor', message: 'cursor is not a cursor this list returned' }],
      );
    }
    return fields[0];
  }
}

function scopeOf(list: AdminList, organizationId: number): string {
  return `admin\u0000${list}\u0000${organizationId}`;
}
