import { Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from '../users/user.entity';
import { Group } from './group.entity';

/**
 * A user's membership of a group. The primary key (group, user) answers "members of G" and makes
 * adding a member twice a no-op; the (user, group) index answers "groups of U" (a user's `groups`,
 * `groups.value eq` filters, removing a deleted user from every group).
 */
@Entity('group_members')
@Index('IDX_group_members_user', ['userId', 'groupId'])
export class GroupMember {
  @PrimaryColumn({ type: 'int' })
  groupId: number;

  @PrimaryColumn({ type: 'int' })
  userId: number;

  @ManyToOne(() => Group, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'group_id' })
  group?: Group;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;
}
