import type { AuditScope } from '../audit/audit-context';
import { APP_CONFIG, AppConfig } from '@app/config';
import { SearchGate } from '@app/database';
import {
  buildGroupResource,
  GroupChange,
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

/** Member values from which a PATCH is a large change (see ScimGroupsService.oneAtATime). */
const LARGE_CHANGE = 1_000;

/**
 * SCIM Groups on top of the groups module: parses bodies and PATCHes with the protocol library,
 * renders what GroupsService returns. Members are loaded only when the answer shows them:
 * `excludedAttributes=members` (Okta's and Entra's usual list) never reads a membership.
 */
@Injectable()
export class ScimGroupsService {
  readonly baseUrl: string;
  /**
   * An organization's changes that may touch many memberships run one at a time: a PUT or DELETE (the
   * members it replaces or drops are not known before it runs), a PATCH naming LARGE_CHANGE members or
   * more, or replacing or dropping them all. Each holds the event loop for tens of milliseconds on SQLite
   * (docs/performance.md); several sent at once would run back to back in one group commit, and every
   * other organization's requests would wait behind all of them. Other organizations and small changes
   * (Okta's and Entra's one-member PATCHes) are not held up.
   */
  private readonly largeChanges = new SearchGate(Number.MAX_SAFE_INTEGER, 1);

  constructor(
    private readonly groups: GroupsService,
    private readonly paging: ScimPaging,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.baseUrl = `${config.appUrl}${SCIM_BASE_PATH}`;
  }

  async create(organizationId: number, body: unknown, scope: AuditScope): Promise<ScimResponse> {
    const input = parseGroupInput(body);
    return this.render(
      await this.oneAtATime(organizationId, input.members.length >= LARGE_CHANGE, () =>
        this.groups.create(organizationId, input, scope),
      ),
    );
  }

  async get(organizationId: number, id: string, query: Json = {}): Promise<ScimResponse> {
    const projection = this.projection(query);
    return this.render(await this.groups.get(organizationId, id, projectionShows(projection, 'members')), projection);
  }

  async replace(organizationId: number, id: string, body: unknown, scope: AuditScope, ifMatch?: string): Promise<ScimResponse> {
    const input = parseGroupInput(body);
    return this.render(
      await this.oneAtATime(organizationId, true, () =>
        this.groups.replace(organizationId, id, input, scope, versionCheck(ifMatch)),
      ),
    );
  }

  /** PATCH answers 204, as Okta and Entra expect: a group of 10,000 members is not sent back for each change. */
  async patch(organizationId: number, id: string, body: unknown, scope: AuditScope, ifMatch?: string): Promise<void> {
    const changes = parseGroupPatch(body);
    await this.oneAtATime(organizationId, isLarge(changes), () =>
      this.groups.patch(organizationId, id, changes, scope, versionCheck(ifMatch)),
    );
  }

  delete(organizationId: number, id: string, scope: AuditScope, ifMatch?: string): Promise<void> {
    return this.oneAtATime(organizationId, true, () => this.groups.remove(organizationId, id, scope, versionCheck(ifMatch)));
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

  /** `work`, after the organization's large change running now, if `large`; else at once. */
  private oneAtATime<T>(organizationId: number, large: boolean, work: () => Promise<T>): Promise<T> {
    return large ? this.largeChanges.run(String(organizationId), work) : work();
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

/** Whether a PATCH may touch many memberships: it names LARGE_CHANGE members or more, or replaces or drops them all. */
function isLarge(changes: readonly GroupChange[]): boolean {
  let named = 0;
  for (const change of changes) {
    if (change.op === 'removeAllMembers' || change.op === 'replaceMembers') return true;
    if (change.op === 'addMembers' || change.op === 'removeMembers') named += change.ids.length;
  }
  return named >= LARGE_CHANGE;
}
