/*
 * The SCIM Group (RFC 7643 §4.2): request bodies read into GroupInput, PATCH bodies into a list of
 * changes, and the stored group rendered back. Members are only ever Users, named by id.
 *
 * A PATCH is not applied to a copy of the group here (as User PATCH is): a group may have tens of
 * thousands of members, and Okta and Entra send one or a few of them per request. So a PATCH is
 * read into changes (add these members, remove those, set the displayName), which the caller
 * applies to its store without loading the members. Choices where the clients and the RFC differ:
 * - op names and keys are case-insensitive (Entra sends "Add", "Remove", "Replace");
 * - `remove` of `members` with a value list removes those members (Entra), with a filter
 *   `members[value eq "…"]` (possibly `or`-ed) removes exactly those (Okta), without either removes
 *   every member (RFC 7644 §3.5.2.2);
 * - adding a member twice or removing a non-member is not an error (RFC 7644 §3.5.2.1);
 * - a path-less `replace` (or `add`) sets the attributes its value names: displayName, externalId,
 *   members (which replaces the list); id, meta and unknown attributes are ignored there, as in PUT;
 * - `members.display`, `$ref` and `type` are read-only: they are ignored; a `type` other than
 *   "User" (a nested group) is refused, since members are Users only;
 * - a member's `value` is taken as sent: ids are opaque strings matched exactly, so " 8" or "08"
 *   names no user (the caller refuses it as an unknown member), never user 8.
 *
 * What one request may do is bounded, so that it holds the event loop for a bounded time: at most
 * MAX_PATCH_OPERATIONS operations and MAX_MEMBERS_PER_REQUEST member values (400 tooMany beyond);
 * consecutive operations that add (or remove) members are read as one, so that the store is
 * written once for them, not once per operation.
 */
import { ScimError } from './scim-error';
import { FilterNode } from './filter.ast';
import { parsePatchPath } from './filter.parser';
import { getCaseInsensitive, isPlainObject } from './user.resource';
import { assertText } from './text';
import {
  CORE_GROUP_ATTRIBUTES,
  CORE_GROUP_SCHEMA,
  GROUP_SCHEMAS,
  MAX_PATCH_OPERATIONS,
  PATCH_OP_SCHEMA,
  findAttribute,
  lookupAttribute,
} from './user.schema';

type Json = Record<string, unknown>;

/** A Group as a client sends it (POST, PUT): member ids as sent, without duplicates. */
export interface GroupInput {
  displayName: string;
  externalId?: string;
  members: string[];
}

/** One change of a Group PATCH, in request order. */
export type GroupChange =
  | { op: 'set'; displayName?: string; externalId?: string | null }
  | { op: 'addMembers'; ids: string[] }
  | { op: 'removeMembers'; ids: string[] }
  | { op: 'removeAllMembers' }
  | { op: 'replaceMembers'; ids: string[] };

/** Longest displayName or externalId accepted. */
const MAX_TEXT = 255;

/**
 * Most member values one request names (a POST or PUT members list, all the operations of a PATCH
 * together). The contract asks for 10,000 in one PATCH; more would hold the event loop longer
 * (docs/performance.md). Miro takes 8,000 in a Group PATCH, AWS IAM Identity Center 100.
 */
export const MAX_MEMBERS_PER_REQUEST = 10_000;

/** displayName or externalId as sent, checked against its kind of text in the schema (text.ts), then trimmed. */
function text(value: unknown, name: 'displayName' | 'externalId', required: boolean): string | undefined {
  if (value === undefined || value === null) {
    if (required) throw ScimError.invalidValue(`${name} is required and must be a non-empty string.`);
    return undefined;
  }
  if (typeof value !== 'string') throw ScimError.invalidValue(`${name} must be a string.`);
  // Before trimming: "Admins\n" is refused like any other control character, not quietly cut.
  assertText(value, findAttribute(CORE_GROUP_ATTRIBUTES, name)?.text ?? 'line', name);
  const trimmed = value.trim();
  if (required && trimmed === '') throw ScimError.invalidValue(`${name} is required and must be a non-empty string.`);
  if (Array.from(trimmed).length > MAX_TEXT) throw ScimError.invalidValue(`${name} must be at most ${MAX_TEXT} characters.`);
  return trimmed;
}

/** Member ids from a `members` value: an array of `{ "value": "<user id>" }` (a single object is taken as a list of one). */
function memberIds(raw: unknown, label: string): string[] {
  if (raw === undefined || raw === null) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  const ids = new Set<string>();
  list.forEach((element, i) => {
    if (!isPlainObject(element)) {
      throw ScimError.invalidValue(`${label}[${i}] must be an object such as {"value": "<user id>"}.`);
    }
    const type = getCaseInsensitive(element, 'type');
    if (type !== undefined && type !== null && (typeof type !== 'string' || type.toLowerCase() !== 'user')) {
      throw ScimError.invalidValue(`${label}[${i}] has type ${JSON.stringify(type)}; members of a group are Users only.`);
    }
    const value = 'value' in element ? element.value : getCaseInsensitive(element, 'value');
    if (typeof value === 'number' && Number.isSafeInteger(value)) ids.add(String(value));
    else if (typeof value === 'string' && value !== '') ids.add(value);
    else throw ScimError.invalidValue(`${label}[${i}].value must be the id of a User.`);
  });
  return [...ids];
}

/** Refuses a request that names more members than one request may change. */
function checkMemberCount(count: number, what: string): void {
  if (count > MAX_MEMBERS_PER_REQUEST) {
    throw ScimError.tooMany(
      `${what} names ${count.toLocaleString('en-US')} members; this server takes at most ${MAX_MEMBERS_PER_REQUEST.toLocaleString('en-US')} in one request. Send the rest in another PATCH.`,
    );
  }
}

function checkSchemas(schemas: unknown): void {
  if (schemas === undefined || schemas === null) return;
  if (
    !Array.isArray(schemas) ||
    !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === CORE_GROUP_SCHEMA.toLowerCase())
  ) {
    throw ScimError.invalidValue(`schemas must include "${CORE_GROUP_SCHEMA}"; this endpoint only takes Groups.`);
  }
}

/** A POST or PUT body. id, meta and attributes the Group schema does not have are ignored. */
export function parseGroupInput(body: unknown): GroupInput {
  if (!isPlainObject(body)) throw ScimError.invalidSyntax('The request body must be a JSON object describing a Group.');
  checkSchemas(getCaseInsensitive(body, 'schemas'));
  const displayName = text(getCaseInsensitive(body, 'displayName'), 'displayName', true)!;
  const externalId = text(getCaseInsensitive(body, 'externalId'), 'externalId', false);
  const members = memberIds(getCaseInsensitive(body, 'members'), 'members');
  checkMemberCount(members.length, 'The group');
  return { displayName, ...(externalId ? { externalId } : {}), members };
}

/** The member ids a value filter selects: `value eq "x"`, or several of those joined by `or`. */
function filteredIds(filter: FilterNode, path: string): string[] {
  const ids: string[] = [];
  const visit = (node: FilterNode): void => {
    if (node.op === 'or') return node.filters.forEach(visit);
    if (node.op === 'eq' && node.path.subAttribute === 'value' && typeof node.value === 'string') {
      ids.push(node.value);
      return;
    }
    throw ScimError.invalidFilter(
      `The path '${path.slice(0, 200)}' selects members by something other than their id; use members[value eq "<user id>"].`,
    );
  };
  visit(filter);
  return ids;
}

/** The changes a path-less add/replace value names. */
function pathless(value: unknown, n: number, changes: GroupChange[]): void {
  if (!isPlainObject(value)) {
    throw ScimError.invalidValue(`Operation ${n} has no path, so its value must be an object of attributes.`);
  }
  const set: { op: 'set'; displayName?: string; externalId?: string | null } = { op: 'set' };
  for (const [key, raw] of Object.entries(value)) {
    const found = lookupAttribute(key, GROUP_SCHEMAS);
    if (found.kind !== 'attribute' || found.resolved.path.subAttribute !== undefined) continue;
    const name = found.resolved.definition.name;
    if (name === 'displayName') set.displayName = text(raw, 'displayName', true);
    else if (name === 'externalId') set.externalId = text(raw, 'externalId', false) ?? null;
    else if (name === 'members') changes.push({ op: 'replaceMembers', ids: memberIds(raw, `Operation ${n} members`) });
  }
  if (set.displayName !== undefined || set.externalId !== undefined) changes.push(set);
}

/**
 * Reads a Group PATCH body (RFC 7644 §3.5.2, with Okta's and Entra's forms) into changes, in
 * order. Nothing is applied: a malformed operation anywhere refuses the whole request.
 */
export function parseGroupPatch(body: unknown): GroupChange[] {
  if (!isPlainObject(body)) {
    throw ScimError.invalidSyntax('The PATCH body must be a JSON object with "schemas" and "Operations".');
  }
  const schemas = getCaseInsensitive(body, 'schemas');
  if (
    schemas !== undefined &&
    schemas !== null &&
    !(Array.isArray(schemas) && schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase()))
  ) {
    throw ScimError.invalidSyntax(`The PATCH body's schemas must be ["${PATCH_OP_SCHEMA}"].`);
  }
  const operations = getCaseInsensitive(body, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0) {
    throw ScimError.invalidSyntax('The PATCH body must have an "Operations" array with at least one operation.');
  }
  if (operations.length > MAX_PATCH_OPERATIONS) {
    throw ScimError.tooMany(
      `The PATCH has ${operations.length.toLocaleString('en-US')} operations; this server applies at most ${MAX_PATCH_OPERATIONS} in one request. Send the rest in another PATCH, or several members in one operation.`,
    );
  }
  const changes: GroupChange[] = [];
  operations.forEach((raw, i) => {
    const n = i + 1;
    if (!isPlainObject(raw)) throw ScimError.invalidSyntax(`Operation ${n} must be an object with "op", "path" and "value".`);
    const opRaw = getCaseInsensitive(raw, 'op');
    const op = typeof opRaw === 'string' ? opRaw.trim().toLowerCase() : '';
    if (op !== 'add' && op !== 'replace' && op !== 'remove') {
      throw ScimError.invalidSyntax(
        `Operation ${n} has op ${JSON.stringify(opRaw) ?? 'missing'}; use "add", "replace" or "remove".`,
      );
    }
    const pathRaw = getCaseInsensitive(raw, 'path');
    if (pathRaw !== undefined && pathRaw !== null && typeof pathRaw !== 'string') {
      throw ScimError.invalidPath(`Operation ${n} has a path that is not a string.`);
    }
    const hasValue = Object.keys(raw).some((k) => k.toLowerCase() === 'value');
    const value = getCaseInsensitive(raw, 'value');
    if (op !== 'remove' && !hasValue) throw ScimError.invalidValue(`Operation ${n} (${op}) has no "value".`);
    const path = typeof pathRaw === 'string' ? pathRaw.trim() : '';
    if (path === '') {
      if (op === 'remove') throw ScimError.noTarget(`Operation ${n} (remove) needs a path, such as "members".`);
      pathless(value, n, changes);
      return;
    }
    const syntax = parsePatchPath(path);
    const found = lookupAttribute(syntax.attribute, GROUP_SCHEMAS);
    if (found.kind !== 'attribute') {
      throw ScimError.invalidPath(`Operation ${n}: '${path.slice(0, 200)}' is not an attribute of the Group schema.`);
    }
    const { definition, path: resolvedPath } = found.resolved;
    const name = definition.name;
    if (name === 'members') {
      if (resolvedPath.subAttribute !== undefined || syntax.subAttribute !== undefined) {
        throw ScimError.invalidPath(`Operation ${n}: a member is changed whole; use the path "members".`);
      }
      if (syntax.filter) {
        if (op !== 'remove') {
          throw ScimError.invalidPath(`Operation ${n}: ${op} takes the path "members" with a list of members, not a filter.`);
        }
        changes.push({ op: 'removeMembers', ids: filteredIds(syntax.filter(found.resolved), path) });
        return;
      }
      if (op === 'remove') {
        changes.push(
          hasValue && value !== null
            ? { op: 'removeMembers', ids: memberIds(value, `Operation ${n} value`) }
            : { op: 'removeAllMembers' },
        );
      } else {
        const ids = memberIds(value, `Operation ${n} value`);
        changes.push(op === 'add' ? { op: 'addMembers', ids } : { op: 'replaceMembers', ids });
      }
      return;
    }
    if (syntax.filter || syntax.subAttribute !== undefined || resolvedPath.subAttribute !== undefined) {
      throw ScimError.invalidPath(`Operation ${n}: '${path.slice(0, 200)}' does not name a member or a plain attribute.`);
    }
    if (name === 'displayName') {
      if (op === 'remove') throw ScimError.mutability(`Operation ${n}: displayName is required and cannot be removed.`);
      changes.push({ op: 'set', displayName: text(value, 'displayName', true) });
    } else if (name === 'externalId') {
      changes.push({ op: 'set', externalId: op === 'remove' ? null : (text(value, 'externalId', false) ?? null) });
    } else {
      throw ScimError.mutability(`Operation ${n}: ${name} is read-only.`);
    }
  });
  checkMemberCount(
    changes.reduce((sum, c) => sum + ('ids' in c ? c.ids.length : 0), 0),
    'The PATCH',
  );
  return mergeMemberChanges(changes);
}

/**
 * Consecutive additions of members read as one addition of them all, and consecutive removals as
 * one removal (the same outcome, in order): a PATCH of 100 one-member operations, as some clients
 * send, is one write of 100 rows, not 100 writes.
 */
function mergeMemberChanges(changes: GroupChange[]): GroupChange[] {
  type MemberList = Extract<GroupChange, { op: 'addMembers' | 'removeMembers' }>;
  const isList = (c: GroupChange | undefined): c is MemberList => c?.op === 'addMembers' || c?.op === 'removeMembers';
  const merged: GroupChange[] = [];
  for (const change of changes) {
    const last = merged[merged.length - 1];
    if (isList(change) && isList(last) && last.op === change.op) last.ids.push(...change.ids);
    else merged.push(isList(change) ? { op: change.op, ids: [...change.ids] } : change);
  }
  return merged.map((c) => (isList(c) ? { op: c.op, ids: [...new Set(c.ids)] } : c));
}

/** A stored group and the members to show (omitted when the caller leaves them out). */
export interface GroupResourceInput {
  id: string;
  displayName: string;
  externalId?: string | null;
  members?: ReadonlyArray<{ value: string; display?: string }>;
  created: Date | string;
  lastModified: Date | string;
  version: string;
  baseUrl: string;
}

/** The full SCIM representation of a stored group. */
export function buildGroupResource(group: GroupResourceInput): Json {
  const base = group.baseUrl.replace(/\/+$/, '');
  const iso = (d: string | Date) => (d instanceof Date ? d.toISOString() : d);
  const body: Json = { schemas: [CORE_GROUP_SCHEMA], id: group.id, displayName: group.displayName };
  if (group.externalId) body.externalId = group.externalId;
  if (group.members && group.members.length) {
    body.members = group.members.map((m) => ({
      value: m.value,
      $ref: `${base}/Users/${encodeURIComponent(m.value)}`,
      ...(m.display ? { display: m.display } : {}),
      type: 'User',
    }));
  }
  body.meta = {
    resourceType: 'Group',
    created: iso(group.created),
    lastModified: iso(group.lastModified),
    location: `${base}/Groups/${encodeURIComponent(group.id)}`,
    version: group.version,
  };
  return body;
}
