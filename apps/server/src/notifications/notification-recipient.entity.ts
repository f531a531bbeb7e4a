import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Organization } from '../organizations/organization.entity';

/**
 * An address that gets an organization's key-expiry reminders, SCIM connection alerts and incident
 * emails besides its active Admins (Settings > Organization; at most 20). Unique per organization
 * case-insensitively (`emailLower`), in the order they were given (`id`).
 */
@Entity('notification_recipients')
@Index('UQ_notification_recipients_org_email', ['organizationId', 'emailLower'], { unique: true })
export class NotificationRecipient {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int' })
  organizationId: number;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id' })
  organization?: Organization;

  /** The address as given (trimmed, NFC). */
  @Column({ type: 'varchar', length: 254 })
  email: string;

  @Column({ type: 'varchar', length: 254 })
  emailLower: string;

  @Column({ type: 'datetime', precision: 3 })
  createdAt: Date;
}
