import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One-time facts about this installation (e.g. "bootstrap done"). Inserting a
 * flag is the claim: the primary key lets exactly one instance win, however
 * many start at once on an empty database.
 */
@Entity('system_flags')
export class SystemFlag {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name: string;

  @Column({ type: 'datetime', precision: 3 })
  createdAt: Date;
}
