/*
 * Reading User bodies (POST, PUT, and the result of a PATCH) into one
 * canonical shape, driven by the attribute table in user.schema.ts.
 *
 * Choices where clients and the RFC leave room:
 * - Attribute and sub-attribute names match case-insensitively; the output
 *   uses schema case. Enterprise attributes are accepted nested under the
 *   extension URN or as top-level `urn:...:User:department` keys.
 * - Read-only (id, meta, groups) and unknown attributes, and attributes of
 *   schemas we do not implement, are ignored. `password` is dropped.
 * - `schemas` may be absent; when present it must list the core User schema
 *   (so a Group body sent to /Users is refused rather than half-read).
 * - "True"/"false" strings become booleans; numbers sent for string
 *   attributes (employeeNumber: 1234) become their decimal text.
 * - null and "" mean "no value" and are left out; an element of a
 *   multi-valued attribute without a `value` is left out (it carries nothing).
 *   `manager` may be a plain id string or `{ value, displayName }`.
 * - Strings are kept as sent, except userName, which is trimmed. A lone UTF-16
 *   surrogate, a C0 control character or DEL in any string is refused (tab, LF
 *   and CR are kept in addresses.formatted), and so is a directional override
 *   in userName and emails.value: each attribute's kind of text (text.ts).
 * - More than one `primary: true` in a multi-valued attribute is refused
 *   (RFC 7643 §2.4 "MUST appear no more than once"); PATCH demotes the others
 *   instead, as RFC 7644 §3.5.2 asks.
 */
import { ScimError } from './scim-error';
import { parseDateTime } from './datetime';
import { assertText } from './text';
import {
  AttributeDefinition,
  CORE_USER_ATTRIBUTES,
  CORE_USER_SCHEMA,
  ENTERPRISE_USER_ATTRIBUTES,
  ENTERPRISE_USER_SCHEMA,
  MAX_MULTI_VALUED_ELEMENTS,
  ResolvedAttribute,
  findAttribute,
  lookupAttribute,
} from './user.schema';

export interface ScimName {
  formatted?: string;
  familyName?: string;
  givenName?: string;
  middleName?: string;
  honorificPrefix?: string;
  honorificSuffix?: string;
}

/** An element of emails, phoneNumbers, ims, photos, entitlements, roles, x509Certificates. */
export interface ScimMultiValue {
  value: string;
  display?: string;
  type?: string;
  primary?: boolean;
}

export interface ScimAddress {
  formatted?: string;
  streetAddress?: string;
  locality?: string;
  region?: string;
  postalCode?: string;
  country?: string;
  type?: string;
  primary?: boolean;
}

export interface ScimManager {
  value: string;
  displayName?: string;
}

export interface ScimEnterpriseUser {
  employeeNumber?: string;
  costCenter?: string;
  organization?: string;
  division?: string;
  department?: string;
  manager?: ScimManager;
}

/** A User as the client wants it stored: RFC JSON shape, schema-cased names, no id/meta/groups/password. */
export interface ScimUserInput {
  userName: string;
  externalId?: string;
  name?: ScimName;
  displayName?: string;
  nickName?: string;
  profileUrl?: string;
  title?: string;
  userType?: string;
  preferredLanguage?: string;
  locale?: string;
  timezone?: string;
  active?: boolean;
  emails?: ScimMultiValue[];
  phoneNumbers?: ScimMultiValue[];
  ims?: ScimMultiValue[];
  photos?: ScimMultiValue[];
  addresses?: ScimAddress[];
  entitlements?: ScimMultiValue[];
  roles?: ScimMultiValue[];
  x509Certificates?: ScimMultiValue[];
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'?: ScimEnterpriseUser;
}

export type UserInputMode = 'create' | 'replace';

type Json = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The entry of `obj` whose key matches `name` case-insensitively (the last one wins). */
export function getCaseInsensitive(obj: Json, name: string): unknown {
  const wanted = name.toLowerCase();
  let found: unknown;
  for (const [key, value] of Object.entries(obj)) if (key.toLowerCase() === wanted) found = value;
  return found;
}

function scalar(def: AttributeDefinition, raw: unknown, label: string, checkText: boolean): unknown {
  if (raw === null || raw === undefined) return undefined;
  switch (def.type) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      // Entra sends "True"/"False" as strings.
      if (typeof raw === 'string' && /^\s*(true|false)\s*$/i.test(raw)) return raw.trim().toLowerCase() === 'true';
      throw ScimError.invalidValue(`${label} must be true or false, not ${show(raw)}.`);
    case 'dateTime': {
      const iso = typeof raw === 'string' ? parseDateTime(raw) : undefined;
      if (!iso) throw ScimError.invalidValue(`${label} must be an ISO 8601 date-time, not ${show(raw)}.`);
      return iso;
    }
    case 'integer':
    case 'decimal': {
      const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isFinite(n) || (def.type === 'integer' && !Number.isInteger(n))) {
        throw ScimError.invalidValue(`${label} must be a number, not ${show(raw)}.`);
      }
      return n;
    }
    case 'complex':
      throw ScimError.invalidValue(`${label} must be an object.`);
    default: {
      let text: string;
      if (typeof raw === 'string') text = raw;
      else if (typeof raw === 'number' && Number.isFinite(raw)) text = String(raw);
      else throw ScimError.invalidValue(`${label} must be a string, not ${show(raw)}.`);
      if (text === '') return undefined;
      if (checkText) assertText(text, def.text ?? 'line', label);
      if (text.length > def.maxLength) {
        throw ScimError.invalidValue(`${label} is ${text.length} characters long; the limit is ${def.maxLength}.`);
      }
      return text;
    }
  }
}

function complexValue(def: AttributeDefinition, raw: unknown, label: string, checkText: boolean): Json | undefined {
  if (raw === null || raw === undefined) return undefined;
  const subs = def.subAttributes ?? [];
  const hasValue = subs.some((s) => s.name === 'value');
  // `"manager": "<id>"` (Entra) and `"emails": ["a@b.c"]`.
  if (hasValue && (typeof raw === 'string' || typeof raw === 'number')) raw = { value: raw };
  if (!isPlainObject(raw)) {
    throw ScimError.invalidValue(`${label} must be an object with ${subs.map((s) => s.name).join(', ')}, not ${show(raw)}.`);
  }
  const out: Json = {};
  for (const sub of subs) {
    // $ref is derived from value by whoever renders the resource; it is not kept.
    if (sub.mutability === 'readOnly' || sub.name === '$ref') continue;
    const value = scalar(sub, getCaseInsensitive(raw, sub.name), `${label}.${sub.name}`, checkText);
    if (value !== undefined) out[sub.name] = value;
  }
  if (hasValue && out.value === undefined) return undefined;
  return Object.keys(out).length === 0 ? undefined : out;
}

/**
 * Canonical value of one attribute (or sub-attribute) from what a client
 * sent; undefined means "no value". Throws ScimError invalidValue naming
 * `label` for a value of the wrong type, or a string its kind of text may not
 * hold (text.ts; `checkText` false only for values read before, see parseUserInput).
 */
export function normalizeAttributeValue(def: AttributeDefinition, raw: unknown, label: string, checkText = true): unknown {
  if (raw === null || raw === undefined) return undefined;
  if (def.multiValued) {
    if (!Array.isArray(raw)) throw ScimError.invalidValue(`${label} must be an array, not ${show(raw)}.`);
    if (raw.length > MAX_MULTI_VALUED_ELEMENTS) {
      throw ScimError.tooMany(`${label} has ${raw.length} elements; the limit is ${MAX_MULTI_VALUED_ELEMENTS}.`);
    }
    const elements = raw
      .map((element, i) =>
        def.type === 'complex'
          ? complexValue(def, element, `${label}[${i}]`, checkText)
          : scalar(def, element, `${label}[${i}]`, checkText),
      )
      .filter((e) => e !== undefined);
    return elements.length === 0 ? undefined : elements;
  }
  if (def.type === 'complex') {
    // `"manager": ""` is how a cleared manager arrives.
    if (raw === '') return undefined;
    return complexValue(def, raw, label, checkText);
  }
  return scalar(def, raw, label, checkText);
}

function containerFor(out: Json, schema: string): Json {
  if (schema === CORE_USER_SCHEMA) return out;
  const existing = out[schema];
  if (isPlainObject(existing)) return existing;
  const created: Json = {};
  out[schema] = created;
  return created;
}

function assign(out: Json, resolved: ResolvedAttribute, raw: unknown, label: string, checkText: boolean): void {
  const { definition, subDefinition, path } = resolved;
  if (definition.mutability === 'readOnly' || definition.mutability === 'writeOnly') return;
  const container = containerFor(out, path.schema);
  if (subDefinition) {
    if (definition.multiValued) {
      throw ScimError.invalidValue(`${label} cannot be set on its own; send ${definition.name} as an array of objects.`);
    }
    const value = scalar(subDefinition, raw, label, checkText);
    const parent = isPlainObject(container[definition.name]) ? (container[definition.name] as Json) : {};
    if (value === undefined) delete parent[subDefinition.name];
    else parent[subDefinition.name] = value;
    container[definition.name] = parent;
    return;
  }
  const value = normalizeAttributeValue(definition, raw, label, checkText);
  if (value === undefined) delete container[definition.name];
  else if (definition.type === 'complex' && !definition.multiValued && isPlainObject(container[definition.name])) {
    Object.assign(container[definition.name] as Json, value);
  } else container[definition.name] = value;
}

function assignKey(out: Json, key: string, raw: unknown, checkText: boolean): void {
  if (key.toLowerCase() === 'schemas') return;
  const found = lookupAttribute(key);
  if (found.kind === 'attribute') return assign(out, found.resolved, raw, key, checkText);
  if (found.kind !== 'schema' || raw === null || raw === undefined) return;
  if (!isPlainObject(raw)) throw ScimError.invalidValue(`${key} must be an object of attributes, not ${show(raw)}.`);
  for (const [subKey, value] of Object.entries(raw)) {
    const inner = lookupAttribute(`${found.schema.id}:${subKey}`);
    if (inner.kind === 'attribute') assign(out, inner.resolved, value, `${found.schema.id}:${subKey}`, checkText);
  }
}

function checkSchemas(schemas: unknown): void {
  if (schemas === undefined || schemas === null) return;
  if (!Array.isArray(schemas) || schemas.some((s) => typeof s !== 'string')) {
    throw ScimError.invalidValue(`schemas must be an array of schema URNs, such as ["${CORE_USER_SCHEMA}"].`);
  }
  if (!schemas.some((s: string) => s.toLowerCase() === CORE_USER_SCHEMA.toLowerCase())) {
    throw ScimError.invalidValue(`schemas must include "${CORE_USER_SCHEMA}"; this endpoint only takes Users.`);
  }
}

/** Rebuilds the object in schema order, so equal users are equal JSON. */
function ordered(source: Json, attributes: readonly AttributeDefinition[]): Json {
  const out: Json = {};
  for (const def of attributes) {
    const value = source[def.name];
    if (value === undefined) continue;
    if (def.type === 'complex' && !def.multiValued) {
      const o = ordered(value as Json, def.subAttributes ?? []);
      if (Object.keys(o).length > 0) out[def.name] = o;
    } else if (def.multiValued && def.type === 'complex') {
      out[def.name] = (value as Json[]).map((e) => ordered(e, def.subAttributes ?? []));
    } else out[def.name] = value;
  }
  return out;
}

function checkPrimary(container: Json, attributes: readonly AttributeDefinition[], prefix: string): void {
  for (const def of attributes) {
    if (!def.multiValued || !findAttribute(def.subAttributes, 'primary')) continue;
    const elements = container[def.name];
    if (!Array.isArray(elements)) continue;
    const primaries = elements.filter((e) => isPlainObject(e) && e.primary === true).length;
    if (primaries > 1) {
      throw ScimError.invalidValue(
        `${prefix}${def.name} has ${primaries} elements with "primary": true; at most one may be primary.`,
      );
    }
  }
}

/**
 * Reads a User body into the canonical ScimUserInput. `create` defaults
 * `active` to true; `replace` leaves absent attributes absent (the caller
 * decides what an absent attribute means for a PUT, e.g. userType unchanged).
 * userName is required in both modes; whether it is an email, unique, or
 * unchanged is for the caller to check.
 *
 * Every string is checked against its attribute's kind of text (text.ts) unless
 * `textChecked`: the result of a PATCH, whose new values were checked as each
 * operation read them, and whose other values are as stored (a value kept from
 * before a rule existed does not block a PATCH of another attribute).
 */
export function parseUserInput(body: unknown, mode: UserInputMode, options: { textChecked?: boolean } = {}): ScimUserInput {
  if (!isPlainObject(body)) throw ScimError.invalidSyntax('The request body must be a JSON object describing a User.');
  checkSchemas(getCaseInsensitive(body, 'schemas'));
  const checkText = !options.textChecked;
  const collected: Json = {};
  for (const [key, raw] of Object.entries(body)) assignKey(collected, key, raw, checkText);

  const userName = collected.userName;
  if (typeof userName !== 'string' || userName.trim() === '') {
    throw ScimError.invalidValue("userName is required and must be a non-empty string (the user's email address).");
  }
  collected.userName = userName.trim();
  if (mode === 'create' && collected.active === undefined) collected.active = true;

  const result = ordered(collected, CORE_USER_ATTRIBUTES);
  checkPrimary(result, CORE_USER_ATTRIBUTES, '');
  if (isPlainObject(collected[ENTERPRISE_USER_SCHEMA])) {
    const ext = ordered(collected[ENTERPRISE_USER_SCHEMA] as Json, ENTERPRISE_USER_ATTRIBUTES);
    if (Object.keys(ext).length > 0) result[ENTERPRISE_USER_SCHEMA] = ext;
  }
  return result as unknown as ScimUserInput;
}

export interface UserResourceMeta {
  id: string;
  /** ISO 8601 or Date. */
  created: string | Date;
  lastModified: string | Date;
  /** ETag value, e.g. `W/"3"`. */
  version?: string;
  /** Base URL of the SCIM API, e.g. `https://host/v1.0/scim/v2`. */
  baseUrl: string;
}

/**
 * The full SCIM representation of a stored user: schemas (with the
 * enterprise URN when enterprise attributes are present), id, the
 * attributes, and meta with location.
 */
export function buildUserResource(user: ScimUserInput, meta: UserResourceMeta): Json {
  const base = meta.baseUrl.replace(/\/+$/, '');
  const location = `${base}/Users/${encodeURIComponent(meta.id)}`;
  const iso = (d: string | Date) => (d instanceof Date ? d.toISOString() : d);
  const ext = user[ENTERPRISE_USER_SCHEMA];
  const body: Json = {
    schemas: ext ? [CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA] : [CORE_USER_SCHEMA],
    id: meta.id,
    ...(user as unknown as Json),
  };
  body.meta = {
    resourceType: 'User',
    created: iso(meta.created),
    lastModified: iso(meta.lastModified),
    location,
    ...(meta.version !== undefined ? { version: meta.version } : {}),
  };
  return body;
}
