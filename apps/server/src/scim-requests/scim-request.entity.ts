import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One SCIM request of an organization as the provisioning inspector keeps it (docs/inspector.md):
 * what the client sent and what it was answered, bodies redacted and cut. Written in batches, at
 * least every second, by the instance that answered it; never updated; deleted when it is older
 * than SCIM_REQUEST_LOG_HOURS or among the oldest past SCIM_REQUEST_LOG_MAX of its organization.
 * No foreign keys: a request outlives the key that sent it (its masked form and description are
 * copied in).
 *
 * One index besides the primary key: an organization's requests newest first, which every read
 * walks (the filters are checked on the rows; an organization holds at most SCIM_REQUEST_LOG_MAX)
 * and the count pruning reads. Pruning by age walks the primary key, oldest first: ids follow the
 * time, as for the audit log, so no index on `at` is written with every row.
 */
@Entity('scim_requests')
@Index('IDX_scim_requests_org_id', ['organizationId', 'id'])
export class ScimRequest {
  /** BIGINT: every SCIM request takes one, and 2^31 would last a week at 3,500 requests a second. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: number;

  @Column({ type: 'int' })
  organizationId: number;

  /** When the answer was sent. */
  @Column({ type: 'datetime', precision: 3 })
  at: Date;

  @Column({ type: 'varchar', length: 16 })
  method: string;

  /** The path as sent, without the query (at most 1,024 characters). */
  @Column({ type: 'varchar', length: 1024 })
  path: string;

  /** The query string without `?`, redacted; NULL when there was none. */
  @Column({ type: 'text', nullable: true })
  query: string | null;

  /** `Users`, `Groups`, or the first segment after the SCIM base (`Schemas`, …); NULL for the base itself. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  resourceType: string | null;

  /** The resource the request is about: the id in its path, or the one a POST created. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  targetId: string | null;

  @Column({ type: 'int' })
  status: number;

  /** From the request's arrival to its answer, in milliseconds (0.1 ms resolution). */
  @Column({ type: 'double' })
  durationMs: number;

  @Column({ type: 'int' })
  apiKeyId: number;

  /** `torii_scim_…abcd`: the key as the settings show it, never the key. */
  @Column({ type: 'varchar', length: 64 })
  keyMasked: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  keyDescription: string | null;

  /** `okta`, `entra` or `other`, from the User-Agent. */
  @Column({ type: 'varchar', length: 8 })
  client: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  userAgent: string | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  scimType: string | null;

  /** The sentence a refused request was answered with. */
  @Column({ type: 'varchar', length: 1024, nullable: true })
  detail: string | null;

  /** X-Request-Id of the request: the same as in the audit log and the server's log lines. */
  @Column({ type: 'varchar', length: 128, nullable: true })
  requestId: string | null;

  /** At most 65,535 bytes of UTF-8, redacted, cut with a marker; NULL when the request had no body. */
  @Column({ type: 'text', nullable: true })
  requestBody: string | null;

  @Column({ type: 'text', nullable: true })
  responseBody: string | null;
}
