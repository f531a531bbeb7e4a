import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A tenant. Its numeric id is the "Organization ID" an admin types into Okta. */
@Entity('organizations')
export class Organization {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  /** Settings > Security > SCIM. Off for a new organization; off refuses every SCIM request at once. */
  @Column({ type: 'boolean', default: false })
  scimEnabled: boolean;

  @Column({ type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ type: 'datetime', precision: 3 })
  updatedAt: Date;
}
