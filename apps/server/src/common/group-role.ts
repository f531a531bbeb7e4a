/**
 * The role a user's groups give it: the winning role mapping's role and its group (with the group's
 * displayName, for the audit event that says where the role comes from). The groups module works it
 * out; the users module applies it.
 */
export interface GroupRole {
  roleId: number;
  groupId: number;
  groupName: string;
}
