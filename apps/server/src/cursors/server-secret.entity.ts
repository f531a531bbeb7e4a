import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A secret every instance of the installation shares, generated once (CSPRNG) by whichever
 * instance needs it first: the primary key lets exactly one value win however many start at once.
 * Never logged, never returned by any API.
 */
@Entity('server_secrets')
export class ServerSecret {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name: string;

  /** base64url. */
  @Column({ type: 'varchar', length: 128 })
  value: string;

  @Column({ type: 'datetime', precision: 3 })
  createdAt: Date;
}
