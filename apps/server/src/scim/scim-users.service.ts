import type { AuditScope } from '../audit/audit-context';
import { APP_CONFIG, AppConfig } from '@app/config';
import {
  applyUserPatch,
  buildUserResource,
  parseListQuery,
  parseUserInput,
  projectionShows,
  ProjectionOptions,
  projectResource,
} from '@app/scim-protocol';
import { Inject, Injectable } from '@nestjs/common';
import { SCIM_BASE_PATH } from '../common/http-error';
import { GroupsService } from '../groups/groups.service';
import { UserProvisioningService } from '../users/user-provisioning.service';
import { UserResource } from '../users/user-resource';
import { UserSearchService } from '../users/user-search.service';
import { UsersService } from '../users/users.service';
import { ScimPaging } from './scim-paging';
import { MAX_RESULTS, pickProjection, ScimResponse, searchParams, versionCheck } from './scim-request';

type Json = Record<string, unknown>;

/**
 * SCIM Users on top of the users module: parses and validates SCIM bodies
 * with the protocol library, hands SCIM Users to UserProvisioningService (which
 * applies the rules and stores them) and searches to UserSearchService (filters
 * become SQL in the users' repository), and renders what they return: meta,
 * ETag, projection, list responses.
 */
@Injectable()
export class ScimUsersService {
  readonly baseUrl: string;

  constructor(
    private readonly users: UsersService,
    private readonly provisioning: UserProvisioningService,
    private readonly searches: UserSearchService,
    private readonly groups: GroupsService,
    private readonly paging: ScimPaging,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.baseUrl = `${config.appUrl}${SCIM_BASE_PATH}`;
  }

  async create(organizationId: number, body: unknown, scope: AuditScope): Promise<{ response: ScimResponse; created: boolean }> {
    const { user, created } = await this.provisioning.provision(organizationId, parseUserInput(body, 'create'), scope);
    // A new user is in no group yet; a reactivated one may still be in groups.
    return { response: created ? this.render(user, {}, []) : await this.renderOne(user), created };
  }

  async get(organizationId: number, id: string, projection: Json = {}): Promise<ScimResponse> {
    const query = parseListQuery(pickProjection(projection));
    return this.renderOne(await this.users.getResource(organizationId, id), query);
  }

  async replace(organizationId: number, id: string, body: unknown, scope: AuditScope, ifMatch?: string): Promise<ScimResponse> {
    const input = parseUserInput(body, 'replace');
    return this.renderOne(await this.provisioning.replace(organizationId, id, input, scope, versionCheck(ifMatch)));
  }

  async patch(organizationId: number, id: string, body: unknown, scope: AuditScope, ifMatch?: string): Promise<ScimResponse> {
    const user = await this.provisioning.patch(
      organizationId,
      id,
      (current) => applyUserPatch(current, body),
      scope,
      versionCheck(ifMatch),
    );
    return this.renderOne(user);
  }

  async delete(organizationId: number, id: string, scope: AuditScope, ifMatch?: string): Promise<void> {
    await this.provisioning.remove(organizationId, id, scope, versionCheck(ifMatch));
  }

  /** POST /Users/.search. */
  search(organizationId: number, body: unknown): Promise<Json> {
    return this.list(organizationId, searchParams(body));
  }

  /** GET /Users and POST /Users/.search. */
  async list(organizationId: number, params: Json): Promise<Json> {
    const query = parseListQuery(params, { maxResults: MAX_RESULTS, defaultCount: 100 });
    const plan = this.paging.plan('Users', organizationId, query);
    const page = await this.searches.search(organizationId, {
      filter: query.filter,
      sortBy: query.sortBy,
      sortOrder: query.sortOrder,
      offset: plan.offset,
      limit: plan.limit,
      afterId: plan.afterId,
    });
    const resources = (await this.renderAll(page.users, query)).map((response) => response.body);
    return {
      ...this.paging.respond(
        plan,
        query,
        resources,
        page.users.map((u) => u.id),
        page.total,
      ),
    };
  }

  /**
   * Users rendered with their groups (read-only `groups`) when the answer shows them: those the read
   * brought (SQLite), or read here for every user that came without them (MySQL/MariaDB, a user just written).
   */
  private async renderAll(users: UserResource[], projection: ProjectionOptions = {}): Promise<ScimResponse[]> {
    if (!users.length || !projectionShows(projection, 'groups')) return users.map((user) => this.render(user, projection));
    const missing = users.filter((u) => !u.groups).map((u) => u.id);
    const read = missing.length ? await this.groups.groupsOfUsers(missing) : undefined;
    return users.map((user) => this.render(user, projection, user.groups ?? read?.get(user.id)));
  }

  private async renderOne(user: UserResource, projection?: ProjectionOptions): Promise<ScimResponse> {
    const [response] = await this.renderAll([user], projection);
    return response;
  }

  private render(
    user: UserResource,
    projection: ProjectionOptions,
    groups?: ReadonlyArray<{ id: number; displayName: string }>,
  ): ScimResponse {
    const etag = `W/"${user.version}"`;
    const attributes = groups?.length
      ? {
          ...user.attributes,
          groups: groups.map((g) => ({
            value: String(g.id),
            $ref: `${this.baseUrl}/Groups/${g.id}`,
            display: g.displayName,
            type: 'direct',
          })),
        }
      : user.attributes;
    const full = buildUserResource(attributes, {
      id: String(user.id),
      created: user.created,
      lastModified: user.lastModified,
      version: etag,
      baseUrl: this.baseUrl,
    });
    // Without attributes/excludedAttributes the full resource is the answer (we never store a returned:never attribute).
    const body =
      projection.attributes?.length || projection.excludedAttributes?.length ? projectResource(full, projection) : full;
    return { body, etag, location: `${this.baseUrl}/Users/${user.id}` };
  }
}
