/*
 * `attributes` / `excludedAttributes` (RFC 7644 §3.9) on a rendered resource.
 * Names match case-insensitively and may be sub-attributes (`name.givenName`,
 * `emails.value`) or URN-qualified (`urn:...:enterprise:2.0:User:department`,
 * or the extension URN alone for all of it). Unknown names are ignored.
 * `schemas` and "returned: always" attributes (id, userName) are always kept;
 * "returned: never" attributes (password) never appear.
 */
import { AttributeDefinition, SchemaDefinition, USER_SCHEMAS, findAttribute, lookupAttribute } from './user.schema';

type Json = Record<string, unknown>;

export interface ProjectionOptions {
  attributes?: readonly string[];
  excludedAttributes?: readonly string[];
  /** The resource type's schemas, the core one first (USER_SCHEMAS unless told). */
  schemas?: readonly SchemaDefinition[];
}

/** Selected names, per schema → attribute → `true` (whole) or the set of sub-attributes. */
type Selection = Map<string, Map<string, true | Set<string>>>;

function select(
  names: readonly string[],
  schemas: readonly SchemaDefinition[],
): { selection: Selection; wholeSchemas: Set<string> } {
  const selection: Selection = new Map();
  const wholeSchemas = new Set<string>();
  for (const name of names) {
    const found = lookupAttribute(name.trim(), schemas);
    if (found.kind === 'schema') wholeSchemas.add(found.schema.id);
    if (found.kind !== 'attribute') continue;
    const { path } = found.resolved;
    const bySchema = selection.get(path.schema) ?? new Map<string, true | Set<string>>();
    selection.set(path.schema, bySchema);
    const current = bySchema.get(path.attribute);
    if (path.subAttribute === undefined) bySchema.set(path.attribute, true);
    else if (current !== true) bySchema.set(path.attribute, (current ?? new Set<string>()).add(path.subAttribute));
  }
  return { selection, wholeSchemas };
}

function pick(value: unknown, subs: Set<string>): unknown {
  const keep = (o: Json): Json | undefined => {
    const out: Json = {};
    for (const [k, v] of Object.entries(o)) if (subs.has(k)) out[k] = v;
    return Object.keys(out).length > 0 ? out : undefined;
  };
  if (Array.isArray(value)) {
    const elements = value.map((e) => (e && typeof e === 'object' ? keep(e as Json) : undefined)).filter((e) => e !== undefined);
    return elements.length > 0 ? elements : undefined;
  }
  return value && typeof value === 'object' ? keep(value as Json) : undefined;
}

function drop(value: unknown, subs: Set<string>): unknown {
  const without = (o: Json): Json | undefined => {
    const out: Json = {};
    for (const [k, v] of Object.entries(o)) if (!subs.has(k)) out[k] = v;
    return Object.keys(out).length > 0 ? out : undefined;
  };
  if (Array.isArray(value)) {
    const elements = value.map((e) => (e && typeof e === 'object' ? without(e as Json) : e)).filter((e) => e !== undefined);
    return elements.length > 0 ? elements : undefined;
  }
  return value && typeof value === 'object' ? without(value as Json) : value;
}

function projectObject(
  source: Json,
  schemaId: string,
  attributes: readonly AttributeDefinition[],
  include: { selection: Selection; wholeSchemas: Set<string> } | undefined,
  exclude: { selection: Selection; wholeSchemas: Set<string> },
): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(source)) {
    const def = findAttribute(attributes, key);
    if (!def) {
      // Keys outside the schema (e.g. an extension object) are handled by the caller.
      if (!include) out[key] = value;
      continue;
    }
    if (def.returned === 'never') continue;
    if (def.returned === 'always') {
      out[def.name] = value;
      continue;
    }
    let result: unknown = value;
    if (include && !include.wholeSchemas.has(schemaId)) {
      const wanted = include.selection.get(schemaId)?.get(def.name);
      if (wanted === undefined) continue;
      if (wanted !== true) result = pick(result, wanted);
    }
    const unwanted = exclude.selection.get(schemaId)?.get(def.name);
    if (unwanted === true) continue;
    if (unwanted) result = drop(result, unwanted);
    if (result !== undefined) out[def.name] = result;
  }
  return out;
}

/** Applies attributes/excludedAttributes to a resource in canonical JSON form; returns a new object. */
export function projectResource(resource: Json, options: ProjectionOptions = {}): Json {
  const attributes = (options.attributes ?? []).filter((a) => a.trim() !== '');
  const schemas = options.schemas ?? USER_SCHEMAS;
  const include = attributes.length > 0 ? select(attributes, schemas) : undefined;
  const exclude = select(options.excludedAttributes ?? [], schemas);
  const [core] = schemas as [SchemaDefinition];
  const out: Json = {};
  if (resource.schemas !== undefined) out.schemas = resource.schemas;
  const rest: Json = {};
  for (const [key, value] of Object.entries(resource)) if (key !== 'schemas') rest[key] = value;
  const coreKeys: Json = {};
  for (const [key, value] of Object.entries(rest)) {
    const extension = schemas.find((s) => s !== core && s.id.toLowerCase() === key.toLowerCase());
    if (!extension) {
      coreKeys[key] = value;
      continue;
    }
    if (!value || typeof value !== 'object' || exclude.wholeSchemas.has(extension.id)) continue;
    const projected = projectObject(value as Json, extension.id, extension.attributes, include, exclude);
    if (Object.keys(projected).length > 0) out[extension.id] = projected;
  }
  const projectedCore = projectObject(coreKeys, core.id, core.attributes, include, exclude);
  // Keep the usual order: schemas, core attributes, then extensions.
  const ordered: Json = {};
  if (out.schemas !== undefined) ordered.schemas = out.schemas;
  Object.assign(ordered, projectedCore);
  for (const [key, value] of Object.entries(out)) if (key !== 'schemas') ordered[key] = value;
  return ordered;
}

/**
 * Whether an answer with this projection shows a top-level attribute of the resource's core schema,
 * as projectResource would: the caller may skip reading what will not be shown (a group's members,
 * a user's groups).
 */
export function projectionShows(options: ProjectionOptions, attribute: string): boolean {
  const schemas = options.schemas ?? USER_SCHEMAS;
  const [core] = schemas as [SchemaDefinition];
  const def = findAttribute(core.attributes, attribute);
  if (!def || def.returned === 'never') return false;
  if (def.returned === 'always') return true;
  const attributes = (options.attributes ?? []).filter((a) => a.trim() !== '');
  if (attributes.length > 0) {
    const include = select(attributes, schemas);
    return include.wholeSchemas.has(core.id) || include.selection.get(core.id)?.has(def.name) === true;
  }
  return (
    select(options.excludedAttributes ?? [], schemas)
      .selection.get(core.id)
      ?.get(def.name) !== true
  );
}
