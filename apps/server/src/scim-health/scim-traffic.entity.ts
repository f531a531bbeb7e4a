import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * SCIM requests per key and minute: how many, and how many failed (4xx but a GET's 404, and 5xx).
 * Counted in memory and added here once a minute by each instance (never a write per request);
 * read for the last 24 hours by the connection health. Rows older than two days are deleted, in
 * batches through the index on the minute.
 */
@Entity('scim_traffic')
@Index('IDX_scim_traffic_org_minute', ['organizationId', 'minute'])
@Index('IDX_scim_traffic_minute', ['minute'])
export class ScimTraffic {
  @PrimaryColumn({ type: 'int' })
  apiKeyId: number;

  /** The minute (UTC, seconds zero) the requests were answered in. */
  @PrimaryColumn({ type: 'datetime', precision: 3 })
  minute: Date;

  @Column({ type: 'int' })
  organizationId: number;

  @Column({ type: 'int', default: 0 })
  requests: number;

  @Column({ type: 'int', default: 0 })
  errors: number;
}
