import { insertStatement, Statements } from '@app/database';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { toDate, toDbDate } from '../common/db-values';
import { ScimRequest } from './scim-request.entity';

/** A request to store: every column but the id. */
export type NewScimRequest = Omit<ScimRequest, 'id'>;

/** The columns of a request, in INSERT order (the entity's). */
const COLUMNS = [
  'organization_id',
  'at',
  'method',
  'path',
  'query',
  'resource_type',
  'target_id',
  'status',
  'duration_ms',
  'api_key_id',
  'key_masked',
  'key_description',
  'client',
  'user_agent',
  'scim_type',
  'detail',
  'request_id',
  'request_body',
  'response_body',
] as const;

/** What a list shows of a request: everything but the bodies. */
const LISTED = COLUMNS.filter((c) => c !== 'request_body' && c !== 'response_body');

const insertSql = insertStatement('scim_requests', COLUMNS);

/** A failed request, as the audit log and the connection health count one: 4xx but a GET's 404, and 5xx. */
const FAILED = "(status >= 500 OR (status >= 400 AND NOT (status = 404 AND method = 'GET')))";

export interface ScimRequestQuery {
  /** Requests with a smaller id (the cursor), newest first. */
  beforeId?: number;
  limit: number;
  outcome?: 'success' | 'failure';
  method?: string;
  resourceType?: string;
  keyId?: number;
  targetId?: string;
  requestId?: string;
  since?: Date;
  until?: Date;
}

/**
 * The `scim_requests` table: batches appended, an organization's requests read newest first with
 * filters, the oldest pruned by count per organization and by age. Every delete is conditional on
 * what it deletes (an id range, an age), so instances pruning at once delete the same rows or
 * others, never more than they meant.
 */
@Injectable()
export class ScimRequestsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly statements: Statements,
  ) {}

  /** Appends requests in one statement (the caller sizes the batch). */
  async insert(rows: readonly NewScimRequest[]): Promise<void> {
    if (!rows.length) return;
    const params: unknown[] = [];
    for (const r of rows)
      params.push(
        r.organizationId,
        toDbDate(r.at),
        r.method,
        r.path,
        r.query,
        r.resourceType,
        r.targetId,
        r.status,
        r.durationMs,
        r.apiKeyId,
        r.keyMasked,
        r.keyDescription,
        r.client,
        r.userAgent,
        r.scimType,
        r.detail,
        r.requestId,
        r.requestBody,
        r.responseBody,
      );
    await this.statements.write(this.dataSource.manager, insertSql(rows.length), params);
  }

  /** How many requests the organization has (a range of its index). */
  async count(organizationId: number): Promise<number> {
    const [row]: Array<{ n: number | string }> = await this.dataSource.query(
      'SELECT COUNT(*) AS n FROM scim_requests WHERE organization_id = ?',
      [organizationId],
    );
    return Number(row?.n ?? 0);
  }

  /** The id of the newest request past the organization's `keep` newest (the first to drop), if there is one. */
  async firstBeyond(organizationId: number, keep: number): Promise<number | undefined> {
    const [row]: Array<{ id: number | string }> = await this.dataSource.query(
      `SELECT id FROM scim_requests WHERE organization_id = ? ORDER BY id DESC LIMIT 1 OFFSET ${Number(keep)}`,
      [organizationId],
    );
    return row === undefined ? undefined : Number(row.id);
  }

  /**
   * Deletes the organization's oldest requests up to id `upTo`, at most `batch` of them; whether
   * some up to it remain. Each statement deletes an id range of the organization's index.
   */
  async deleteOldest(organizationId: number, upTo: number, batch: number): Promise<boolean> {
    const [edge]: Array<{ id: number | string }> = await this.dataSource.query(
      `SELECT id FROM scim_requests WHERE organization_id = ? AND id <= ? ORDER BY id LIMIT 1 OFFSET ${Number(batch) - 1}`,
      [organizationId, upTo],
    );
    const last = edge === undefined ? upTo : Math.min(Number(edge.id), upTo);
    await this.dataSource.query('DELETE FROM scim_requests WHERE organization_id = ? AND id <= ?', [organizationId, last]);
    return last < upTo;
  }

  /**
   * Deletes, of the `batch` oldest requests (any organization), those answered before `before`;
   * whether older ones may remain. Requests are read in id order, the order they were written in,
   * up to a second's batching and a clock skew between instances; the DELETE names both the id and
   * the age, so a younger request among old ones stays.
   */
  async pruneOlderThan(before: Date, batch: number): Promise<boolean> {
    const rows: Array<{ id: number | string; at: Date | string }> = await this.dataSource.query(
      `SELECT id, at FROM scim_requests ORDER BY id LIMIT ${Number(batch)}`,
    );
    let upTo: number | undefined;
    for (const row of rows) if (toDate(row.at)! < before) upTo = Number(row.id);
    if (upTo === undefined) return false;
    await this.dataSource.query('DELETE FROM scim_requests WHERE id <= ? AND at < ?', [upTo, toDbDate(before)]);
    return rows.length === batch && upTo === Number(rows[rows.length - 1].id);
  }

  /** One page of an organization's requests, newest first, without their bodies. */
  async page(organizationId: number, query: ScimRequestQuery): Promise<ScimRequest[]> {
    const { where, params } = conditions(organizationId, query);
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT id, ${LISTED.join(', ')} FROM scim_requests WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ${Number(query.limit)}`,
      params,
    );
    return rows.map(hydrate);
  }

  /** One request of the organization, with its bodies. */
  async findOne(organizationId: number, id: number): Promise<ScimRequest | null> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT id, ${COLUMNS.join(', ')} FROM scim_requests WHERE id = ? AND organization_id = ?`,
      [id, organizationId],
    );
    return rows.length ? hydrate(rows[0]) : null;
  }
}

/** The WHERE conditions of a query of one organization's requests. */
function conditions(organizationId: number, query: Omit<ScimRequestQuery, 'limit'>): { where: string[]; params: unknown[] } {
  const where = ['organization_id = ?'];
  const params: unknown[] = [organizationId];
  const add = (condition: string, value: unknown) => {
    if (value === undefined) return;
    where.push(condition);
    params.push(value);
  };
  add('id < ?', query.beforeId);
  if (query.outcome === 'failure') where.push(FAILED);
  if (query.outcome === 'success') where.push(`NOT ${FAILED}`);
  add('method = ?', query.method);
  add('resource_type = ?', query.resourceType);
  add('api_key_id = ?', query.keyId);
  add('target_id = ?', query.targetId);
  add('request_id = ?', query.requestId);
  add('at >= ?', query.since && toDbDate(query.since));
  add('at < ?', query.until && toDbDate(query.until));
  return { where, params };
}

function hydrate(row: Record<string, unknown>): ScimRequest {
  const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
  return Object.assign(new ScimRequest(), {
    id: Number(row.id),
    organizationId: Number(row.organization_id),
    at: toDate(row.at as Date | string)!,
    method: String(row.method),
    path: String(row.path),
    query: text(row.query),
    resourceType: text(row.resource_type),
    targetId: text(row.target_id),
    status: Number(row.status),
    durationMs: Number(row.duration_ms),
    apiKeyId: Number(row.api_key_id),
    keyMasked: String(row.key_masked),
    keyDescription: text(row.key_description),
    client: String(row.client),
    userAgent: text(row.user_agent),
    scimType: text(row.scim_type),
    detail: text(row.detail),
    requestId: text(row.request_id),
    requestBody: text(row.request_body),
    responseBody: text(row.response_body),
  });
}
