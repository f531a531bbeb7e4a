import { APP_CONFIG, AppConfig } from '@app/config';
import {
  applyUserPatch,
  buildUserResource,
  CORE_USER_SCHEMA,
  FilterNode,
  filterToSql,
  listResponse,
  parseListQuery,
  parseUserInput,
  projectResource,
  ScimError,
  sortToSql,
} from '@app/scim-protocol';
import { Inject, Injectable } from '@nestjs/common';
import { SCIM_BASE_PATH } from '../common/http-error';
import { StoredUser } from '../users/user-write';
import { UsersService } from '../users/users.service';
import { toScimUser, toUserWrite, USER_SQL_MAPPING, userFilterMapping } from './user-storage.mapping';

type Json = Record<string, unknown>;

/** A SCIM resource with what goes in the headers. */
export interface ScimUserResponse {
  body: Json;
  etag: string;
  location: string;
}

export const MAX_RESULTS = 200;

/**
 * SCIM Users on top of the users module: parses and validates SCIM bodies
 * with the protocol library, lets UsersService apply the rules and store, and
 * renders the results. Filters become SQL and run in the database.
 */
@Injectable()
export class ScimUsersService {
  readonly baseUrl: string;

  constructor(
    private readonly users: UsersService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.baseUrl = `${config.appUrl}${SCIM_BASE_PATH}`;
  }

  async create(organizationId: number, body: unknown): Promise<{ response: ScimUserResponse; created: boolean }> {
    const input = parseUserInput(body, 'create');
    const { stored, created } = await this.users.provision(organizationId, toUserWrite(input));
    return { response: this.render(stored), created };
  }

  async get(organizationId: number, id: string, projection: Json = {}): Promise<ScimUserResponse> {
    const query = parseListQuery(pickProjection(projection));
    return this.render(await this.users.getStored(organizationId, id), query);
  }

  async replace(organizationId: number, id: string, body: unknown, ifMatch?: string): Promise<ScimUserResponse> {
    const input = parseUserInput(body, 'replace');
    const write = toUserWrite(input);
    return this.render(await this.users.update(organizationId, id, () => write, versionCheck(ifMatch)));
  }

  async patch(organizationId: number, id: string, body: unknown, ifMatch?: string): Promise<ScimUserResponse> {
    const stored = await this.users.update(
      organizationId,
      id,
      (current) => toUserWrite(applyUserPatch(toScimUser(current), body)),
      versionCheck(ifMatch),
    );
    return this.render(stored);
  }

  async delete(organizationId: number, id: string, ifMatch?: string): Promise<void> {
    await this.users.remove(organizationId, id, versionCheck(ifMatch));
  }

  /** POST /Users/.search: a SearchRequest body (RFC 7644 §3.4.3), attribute lists as arrays. */
  search(organizationId: number, body: unknown): Promise<Json> {
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
    return this.list(organizationId, params);
  }

  /** GET /Users and POST /Users/.search. */
  async list(organizationId: number, params: Json): Promise<Json> {
    const query = parseListQuery(params, { maxResults: MAX_RESULTS, defaultCount: 100 });
    const userName = userNameLookup(query.filter);
    let page: { total: number; users: StoredUser[] };
    if (userName !== undefined) {
      // Okta's and Entra's existence check, sent for every user they provision: a unique-key read (one
      // statement on both engines), not a search. At most one user, so sortBy changes nothing.
      const found = await this.users.findByUserName(organizationId, userName);
      page = { total: found ? 1 : 0, users: found && query.startIndex === 1 && query.count > 0 ? [found] : [] };
    } else {
      const where = query.filter ? filterToSql(query.filter, userFilterMapping(organizationId)) : null;
      const order = sortToSql(query.sortBy, query.sortOrder, USER_SQL_MAPPING);
      page = await this.users.search(organizationId, where, order, query.startIndex - 1, query.count);
    }
    const resources = page.users.map((stored) => this.render(stored, query).body);
    return { ...listResponse(resources, page.total, query.startIndex) };
  }

  private render(stored: StoredUser, projection?: { attributes: string[]; excludedAttributes: string[] }): ScimUserResponse {
    const etag = `W/"${stored.user.version}"`;
    const full = buildUserResource(toScimUser(stored), {
      id: String(stored.user.id),
      created: stored.user.createdAt,
      lastModified: stored.user.updatedAt,
      version: etag,
      baseUrl: this.baseUrl,
    });
    // Without attributes/excludedAttributes the full resource is the answer (we never store a returned:never attribute).
    const body =
      projection && (projection.attributes.length || projection.excludedAttributes.length)
        ? projectResource(full, projection)
        : full;
    return { body, etag, location: `${this.baseUrl}/Users/${stored.user.id}` };
  }
}

/** The userName of a `userName eq "…"` filter (userName is unique per organization, case-insensitively). */
function userNameLookup(filter: FilterNode | undefined): string | undefined {
  if (filter?.op !== 'eq' || typeof filter.value !== 'string' || filter.value === '') return undefined;
  const { schema, attribute, subAttribute } = filter.path;
  return schema === CORE_USER_SCHEMA && attribute === 'userName' && subAttribute === undefined ? filter.value : undefined;
}

/** The `attributes`/`excludedAttributes` query parameters of a single-resource GET. */
function pickProjection(query: Json): Json {
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
function versionCheck(ifMatch: string | undefined): ((version: number) => boolean) | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '') return undefined;
  if (ifMatch.trim() === '*') return () => true;
  const versions = ifMatch.split(',').map((tag) => /^\s*(?:W\/)?"([^"]*)"\s*$/.exec(tag)?.[1]);
  if (versions.some((v) => v === undefined)) {
    throw new ScimError(412, 'If-Match must be "*" or entity tags such as W/"3", as sent in the ETag header.');
  }
  return (version) => versions.includes(String(version));
}
