import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Organization } from '../organizations/organization.entity';

/**
 * A SCIM Group of an organization (table `user_groups`: `groups` is a reserved word on MySQL 8), as Okta's Group Push and Entra's group provisioning create it.
 * displayName is unique per organization case-insensitively (Okta and Entra look a group up by it
 * before creating one). Its members are rows of GroupMember.
 */
@Entity('user_groups')
@Index('UQ_user_groups_org_display_name', ['organizationId', 'displayNameLower'], { unique: true })
@Index('IDX_user_groups_org_external_id', ['organizationId', 'externalId'])
export class Group {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int' })
  organizationId: number;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id' })
  organization?: Organization;

  @Column({ type: 'varchar', length: 255 })
  displayName: string;

  /** NFC, lower-cased displayName: the case-insensitive unique key, and what filters compare. */
  @Column({ type: 'varchar', length: 255 })
  displayNameLower: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  externalId: string | null;

  @Column({ type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ type: 'datetime', precision: 3 })
  updatedAt: Date;

  /** Bumped on every change: the SCIM ETag. */
  @Column({ type: 'int', default: 1 })
  version: number;
}
