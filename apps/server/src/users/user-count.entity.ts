import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Organization } from '../organizations/organization.entity';

/**
 * How many live (not deleted) users an organization has, kept in the transaction of every user
 * insert and delete, so that `totalResults` of an unfiltered list is a read of a few rows rather
 * than a count of the organization (34 ms at a million users on SQLite, on every page of a walk).
 * The count is the sum of the organization's slots: on MySQL/MariaDB each pool connection adds to
 * its own slot (`CONNECTION_ID() % 16`), so concurrent creates do not wait for one row lock; SQLite
 * (one writer at a time) uses slot 0 only.
 */
@Entity('user_counts')
export class UserCount {
  @PrimaryColumn({ type: 'int' })
  organizationId: number;

  @PrimaryColumn({ type: 'int' })
  slot: number;

  @Column({ type: 'int', default: 0 })
  live: number;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id' })
  organization?: Organization;
}
