import type { ScimUserInput } from '@app/scim-protocol';
import { preconditionFailed } from '../common/app-error';
import { MemberOf, toScimUser, UserRow } from './user-storage.mapping';
import type { User } from './user.entity';

/** A user as SCIM sees it: its attributes in the SCIM User shape, with identity and version. */
export interface UserResource {
  id: number;
  /** Bumped on every change: the SCIM ETag. */
  version: number;
  created: Date;
  lastModified: Date;
  /** userName, userType (the role), active and every stored attribute. */
  attributes: ScimUserInput;
  /** Its groups (read-only in SCIM) when the read brought them (UserRow.groups); otherwise not read yet. */
  groups?: readonly MemberOf[];
}

export function toResource(row: UserRow): UserResource {
  return {
    id: row.user.id,
    version: row.user.version,
    created: row.user.createdAt,
    lastModified: row.user.updatedAt,
    attributes: toScimUser(row),
    groups: row.groups,
  };
}

/** 412 when the client's If-Match names another version. */
export function checkVersion(user: User, ifMatch: ((version: number) => boolean) | undefined): void {
  if (ifMatch && !ifMatch(user.version)) {
    throw preconditionFailed(`The user has changed since you read it (now version ${user.version}); read it again and retry.`);
  }
}
