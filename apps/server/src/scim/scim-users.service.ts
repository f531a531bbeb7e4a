import { APP_CONFIG, AppConfig } from '@app/config';
import {
  applyUserPatch,
  buildUserResource,
  listResponse,
  parseListQuery,
  parseUserInput,
  projectResource,
  ScimError,
} from '@app/scim-protocol';
import { Inject, Injectable } from '@nestjs/common';
import { SCIM_BASE_PATH } from '../common/http-error';
import { GroupsService } from '../groups/groups.service';
import { UserResource, UsersService } from '../users/users.service';

interface Projection {
  attributes: string[];
  excludedAttributes: string[];
}

/** Whether an answer with this projection shows a user's groups. */
function showsGroups(projection: Projection | undefined): boolean {
  const groups = /^(urn:ietf:params:scim:schemas:core:2\.0:user:)?groups(\.|$)/i;
  if (!projection) return true;
  if (projection.attributes.length) return projection.attributes.some((a) => groups.test(a.trim()));
  return !projection.excludedAttributes.some((a) => /^(urn:ietf:params:scim:schemas:core:2\.0:user:)?groups$/i.test(a.trim()));
}

type Json = Record<string, unknown>;

/** A SCIM resource with what goes in the headers. */
export interface ScimResponse {
  body: Json;
  etag: string;
  location: string;
}

export const MAX_RESULTS = 200;

/**
 * SCIM Users on top of the users module: parses and validates SCIM bodies
 * with the protocol library, hands SCIM Users to UsersService (which applies
 * the rules and stores them; filters become SQL in its repository), and renders
 * what it returns: meta, ETag, projection, list responses.
 */
@Injectable()
export class ScimUsersService {
  readonly baseUrl: string;

  constructor(
    private readonly users: UsersService,
    private readonly groups: GroupsService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.baseUrl = `${config.appUrl}${SCIM_BASE_PATH}`;
  }

  async create(organizationId: number, body: unknown): Promise<{ response: ScimResponse; created: boolean }> {
    const { user, created } = await this.users.provision(organizationId, parseUserInput(body, 'create'));
    // A reactivated user may still be in groups.
    return { response: (await this.renderAll([user]))[0], created };
  }

  async get(organizationId: number, id: string, projection: Json = {}): Promise<ScimResponse> {
    const query = parseListQuery(pickProjection(projection));
    return (await this.renderAll([await this.users.getResource(organizationId, id)], query))[0];
  }

  async replace(organizationId: number, id: string, body: unknown, ifMatch?: string): Promise<ScimResponse> {
    const input = parseUserInput(body, 'replace');
    return (await this.renderAll([await this.users.replace(organizationId, id, input, versionCheck(ifMatch))]))[0];
  }

  async patch(organizationId: number, id: string, body: unknown, ifMatch?: string): Promise<ScimResponse> {
    const user = await this.users.patch(organizationId, id, (current) => applyUserPatch(current, body), versionCheck(ifMatch));
    return (await this.renderAll([user]))[0];
  }

  async delete(organizationId: number, id: string, ifMatch?: string): Promise<void> {
    await this.users.remove(organizationId, id, versionCheck(ifMatch));
  }

  /** POST /Users/.search. */
  search(organizationId: number, body: unknown): Promise<Json> {
    return this.list(organizationId, searchParams(body));
  }

  /** GET /Users and POST /Users/.search. */
  async list(organizationId: number, params: Json): Promise<Json> {
    const query = parseListQuery(params, { maxResults: MAX_RESULTS, defaultCount: 100 });
    const page = await this.users.search(organizationId, {
      filter: query.filter,
      sortBy: query.sortBy,
      sortOrder: query.sortOrder,
      offset: query.startIndex - 1,
      limit: query.count,
    });
    const resources = (await this.renderAll(page.users, query)).map((response) => response.body);
    return { ...listResponse(resources, page.total, query.startIndex) };
  }

  /** Users rendered with their groups (read-only `groups`), which are read only when the answer shows them. */
  private async renderAll(users: UserResource[], projection?: Projection): Promise<ScimResponse[]> {
    const groups = users.length && showsGroups(projection) ? await this.groups.groupsOfUsers(users.map((u) => u.id)) : undefined;
    return users.map((user) => this.render(user, projection, groups?.get(user.id)));
  }

  private render(
    user: UserResource,
    projection?: Projection,
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
      projection && (projection.attributes.length || projection.excludedAttributes.length)
        ? projectResource(full, projection)
        : full;
    return { body, etag, location: `${this.baseUrl}/Users/${user.id}` };
  }
}

/** A SearchRequest body (RFC 7644 §3.4.3, POST /.search) as list query parameters, attribute lists as arrays. */
export function searchParams(body: unknown): Json {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw ScimError.invalidSyntax(
      'Send a SearchRequest object, e.g. {"filter": "userName eq \\"a@b.com\\"", "startIndex": 1, "count": 10}.',
    );
  }
  const params: Json = {};
  for (const [key, value] of Object.entries(body as Json)) {
    if (key.toLowerCase() === 'schemas') continue;
    params[key] = Array.isArray(value) ? value.join(',') : typeof value === 'number' ? String(value) : value;
  }
  return params;
}

/** The `attributes`/`excludedAttributes` query parameters of a single-resource GET. */
export function pickProjection(query: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(query)) {
    if (/^(excluded)?attributes$/i.test(key)) out[key] = value;
  }
  return out;
}

/**
 * If-Match: `*` or a list of entity tags; weak comparison (RFC 7232), since our
 * ETags are weak. A stale or malformed tag is a 412.
 */
export function versionCheck(ifMatch: string | undefined): ((version: number) => boolean) | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '') return undefined;
  if (ifMatch.trim() === '*') return () => true;
  const versions = ifMatch.split(',').map((tag) => /^\s*(?:W\/)?"([^"]*)"\s*$/.exec(tag)?.[1]);
  if (versions.some((v) => v === undefined)) {
    throw new ScimError(412, 'If-Match must be "*" or entity tags such as W/"3", as sent in the ETag header.');
  }
  return (version) => versions.includes(String(version));
}
