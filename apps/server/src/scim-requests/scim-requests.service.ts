import type { ScimClientView, ScimRequestDetailView, ScimRequestPage, ScimRequestView } from '@app/api-types';
import { Injectable } from '@nestjs/common';
import { notFound } from '../common/app-error';
import { parseId } from '../common/ids';
import { AdminCursors } from '../cursors/admin-cursors';
import { ScimRequest } from './scim-request.entity';
import { ScimRequestQuery, ScimRequestsRepository } from './scim-requests.repository';

/** The provisioning inspector's reading side: an organization's SCIM requests, newest first, and one with its bodies. */
@Injectable()
export class ScimRequestsService {
  constructor(
    private readonly repository: ScimRequestsRepository,
    private readonly cursors: AdminCursors,
  ) {}

  async list(organizationId: number, query: Omit<ScimRequestQuery, 'beforeId'> & { cursor?: string }): Promise<ScimRequestPage> {
    const { cursor, ...filters } = query;
    const rows = await this.repository.page(organizationId, {
      ...filters,
      beforeId: this.cursors.decode('scim-requests', organizationId, cursor) || undefined,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    return {
      requests: page.map(toView),
      count: page.length,
      nextCursor:
        rows.length > query.limit ? this.cursors.encode('scim-requests', organizationId, page[page.length - 1].id) : null,
    };
  }

  /** One request of the organization with its bodies; another organization's id is not found, as any unknown id. */
  async get(organizationId: number, rawId: string): Promise<ScimRequestDetailView> {
    const id = parseId(rawId, 'SCIM request');
    const row = await this.repository.findOne(organizationId, id);
    if (!row) {
      throw notFound(
        `No SCIM request with id ${JSON.stringify(rawId)} in this organization; requests are kept for SCIM_REQUEST_LOG_HOURS, at most SCIM_REQUEST_LOG_MAX of them.`,
      );
    }
    return { ...toView(row), requestBody: row.requestBody, responseBody: row.responseBody };
  }
}

/** A failed request, as the audit log and the connection health count one: 4xx but a GET's 404, and 5xx. */
function failed(status: number, method: string): boolean {
  return status >= 500 || (status >= 400 && !(status === 404 && method === 'GET'));
}

function toView(row: ScimRequest): ScimRequestView {
  return {
    id: String(row.id),
    at: row.at.toISOString(),
    method: row.method,
    path: row.path,
    query: row.query,
    status: row.status,
    outcome: failed(row.status, row.method) ? 'failure' : 'success',
    durationMs: row.durationMs,
    key: { id: String(row.apiKeyId), maskedKey: row.keyMasked, description: row.keyDescription },
    client: row.client as ScimClientView,
    userAgent: row.userAgent,
    resourceType: row.resourceType,
    ...(row.targetId !== null ? { targetId: row.targetId } : {}),
    ...(row.scimType !== null ? { scimType: row.scimType } : {}),
    ...(row.detail !== null ? { detail: row.detail } : {}),
    requestId: row.requestId,
  };
}
