import type { AuditChange, AuditRecord } from '../audit/audit.service';
import { createdAttributes } from './user-changes';
import type { UserAttributes, UserValueRow } from './user-storage.mapping';
import type { User } from './user.entity';

/** The audit events of users' changes (docs/audit.md): what each entry point records, built in one place. */

/** user.created, with what the user was given. */
export function createdEvent(
  user: User,
  roleName: string,
  attributes: UserAttributes,
  values: readonly UserValueRow[],
): AuditRecord {
  return {
    organizationId: user.organizationId,
    action: 'user.created',
    target: targetOf(user),
    changes: [
      { attribute: 'userName', to: user.userName },
      { attribute: 'userType', to: roleName },
      { attribute: 'active', to: user.active },
      ...createdAttributes(attributes, values),
    ],
  };
}

/** user.deleted. */
export function deletedEvent(user: User): AuditRecord {
  return { organizationId: user.organizationId, action: 'user.deleted', target: targetOf(user) };
}

/** user.restored: a deleted user back, with the same id, its role and state. */
export function restoredEvent(user: User, roleName: string): AuditRecord {
  return {
    organizationId: user.organizationId,
    action: 'user.restored',
    target: targetOf(user),
    changes: [
      { attribute: 'userType', to: roleName },
      { attribute: 'active', to: user.active },
    ],
  };
}

/** The events of one change of a user, each only when it happened: its state, its role, its other attributes. */
export function changeEvents(
  user: User,
  change: { role: [string, string]; active: [boolean, boolean]; changes?: AuditChange[] },
): AuditRecord[] {
  const target = targetOf(user);
  const organizationId = user.organizationId;
  const records: AuditRecord[] = [];
  const [wasActive, isActive] = change.active;
  if (wasActive !== isActive)
    records.push({
      organizationId,
      action: isActive ? 'user.reactivated' : 'user.deactivated',
      target,
      changes: [{ attribute: 'active', from: wasActive, to: isActive }],
    });
  const [fromRole, toRole] = change.role;
  if (fromRole !== toRole)
    records.push({
      organizationId,
      action: 'user.role-changed',
      target,
      changes: [{ attribute: 'userType', from: fromRole, to: toRole }],
    });
  if (change.changes?.length) records.push({ organizationId, action: 'user.updated', target, changes: change.changes });
  return records;
}

/** user.role-changed for a user whose effective role a membership or mapping change moved, saying which group gives it. */
export function groupRoleEvent(
  organizationId: number,
  user: { id: number; userName: string },
  roles: { from: string | undefined; to: string | undefined },
  groupName: string | null,
): AuditRecord {
  return {
    organizationId,
    action: 'user.role-changed',
    target: { type: 'user', id: user.id, display: user.userName },
    changes: [{ attribute: 'userType', from: roles.from, to: roles.to }],
    detail:
      groupName === null
        ? 'No role mapping of their groups applies any more: their own role.'
        : `Given by the role mapping of the group "${groupName}".`,
  };
}

function targetOf(user: User): { type: string; id: number; display: string } {
  return { type: 'user', id: user.id, display: user.userName };
}
