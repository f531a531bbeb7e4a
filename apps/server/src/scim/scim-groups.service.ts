import type { AuditScope } from '../audit/audit-context';
import { APP_CONFIG, AppConfig } from '@app/config';
import {
  buildGroupResource,
  GROUP_SCHEMAS,
  parseGroupInput,
  parseGroupPatch,
  parseListQuery,
  projectionShows,
  ProjectionOptions,
  projectResource,
} from '@app/scim-protocol';
import { Inject, Injectable } from '@nestjs/common';
import { SCIM_BASE_PATH } from '../common/http-error';
import { GroupResource, GroupsService } from '../groups/groups.service';
import { ScimPaging } from './scim-paging';
import { MAX_RESULTS, pickProjection, ScimResponse, searchParams, versionCheck } from './scim-request';

type Json = Record<string, unknown>;

/**
 * SCIM Groups on top of the groups module: parses bodies and PATCHes with the protocol library,
 * renders what GroupsService returns. Members are loaded only when the answer shows them:
 * `excludedAttributes=members` (Okta's and Entra's usual list) never reads a membership.
 */
@Injectable()
export class ScimGroupsService {
  readonly baseUrl: string;

  constructor(
    private readonly groups: GroupsService,
    private readonly paging: ScimPaging,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.baseUrl = `${config.appUrl}${SCIM_BASE_PATH}`;
  }

  async create(organizationId: number, body: unknown, scope: AuditScope): Promise<ScimResponse> {
    return this.render(await this.groups.create(organizationId, parseGroupInput(body), scope));
  }

  async get(organizationId: number, id: string, query: Json = {}): Promise<ScimResponse> {
    const projection = this.projection(query);
    return this.render(await this.groups.get(organizationId, id, projectionShows(projection, 'members')), projection);
  }

  async replace(organizationId: number, id: string, body: unknown, scope: AuditScope, ifMatch?: string): Promise<ScimResponse> {
    return this.render(await this.groups.replace(organizationId, id, parseGroupInput(body), scope, versionCheck(ifMatch)));
  }

  /** PATCH answers 204, as Okta and Entra expect: a group of 10,000 members is not sent back for each change. */
  async patch(organizationId: number, id: string, body: unknown, scope: AuditScope, ifMatch?: string): Promise<void> {
    await this.groups.patch(organizationId, id, parseGroupPatch(body), scope, versionCheck(ifMatch));
  }

  delete(organizationId: number, id: string, scope: AuditScope, ifMatch?: string): Promise<void> {
    return this.groups.remove(organizationId, id, scope, versionCheck(ifMatch));
  }

  search(organizationId: number, body: unknown): Promise<Json> {
    return this.list(organizationId, searchParams(body));
  }

  async list(organizationId: number, params: Json): Promise<Json> {
    const query = parseListQuery(params, { maxResults: MAX_RESULTS, defaultCount: 100, schemas: GROUP_SCHEMAS });
    const plan = this.paging.plan('Groups', organizationId, query);
    const page = await this.groups.search(
      organizationId,
      {
        filter: query.filter,
        sortBy: query.sortBy,
        sortOrder: query.sortOrder,
        offset: plan.offset,
        limit: plan.limit,
        afterId: plan.afterId,
      },
      projectionShows({ ...query, schemas: GROUP_SCHEMAS }, 'members'),
    );
    const resources = page.groups.map((group) => this.render(group, query).body);
    return {
      ...this.paging.respond(
        plan,
        query,
        resources,
        page.groups.map((g) => g.id),
        page.total,
      ),
    };
  }

  private projection(query: Json): ProjectionOptions {
    const { attributes, excludedAttributes } = parseListQuery(pickProjection(query), { schemas: GROUP_SCHEMAS });
    return { attributes, excludedAttributes, schemas: GROUP_SCHEMAS };
  }

  private render(group: GroupResource, projection: ProjectionOptions = {}): ScimResponse {
    const etag = `W/"${group.version}"`;
    const full = buildGroupResource({
      id: String(group.id),
      displayName: group.displayName,
      externalId: group.externalId,
      members: group.members,
      created: group.created,
      lastModified: group.lastModified,
      version: etag,
      baseUrl: this.baseUrl,
    });
    const body =
      projection.attributes?.length || projection.excludedAttributes?.length
        ? projectResource(full, { ...projection, schemas: GROUP_SCHEMAS })
        : full;
    return { body, etag, location: `${this.baseUrl}/Groups/${group.id}` };
  }
}
