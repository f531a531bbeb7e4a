/*
 * RFC 7644 §3.5.2 PATCH on the canonical User (ScimUserInput).
 *
 * Why not scim-patch (evaluated; see docs/decisions.md): it matches attribute names and
 * the op ('add'/'Add' only, not 'ADD') case-sensitively, though RFC 7643 §2.1
 * makes names case-insensitive; it knows nothing of attribute types (no
 * "False" → false, no manager given as a plain id); it throws plain Errors
 * for several malformed bodies; it mutates its input unless told not to; and
 * it selects elements with scim2-parse-filter, whose `eq` is a case-sensitive
 * `===`. Wrapping it would mean redoing most of its work, so the schema-driven
 * version below replaces it.
 *
 * Choices where the RFC and the clients disagree, or the RFC is silent:
 * - `schemas` may be missing (some scripts omit it); when present it must
 *   include the PatchOp URN. `Operations` is also read as `operations`.
 * - `op`, `path`, `value` keys and the op name are case-insensitive.
 * - add/replace on a filtered path that matches nothing (`emails[type eq
 *   "work"].value` when there is no work email) creates the element from the
 *   filter's `eq` comparisons plus the value, as Entra expects; RFC 7644 says
 *   noTarget for replace. A filter that is not a conjunction of `eq` (so that
 *   the new element cannot be built) still gives noTarget.
 * - replace on a filtered path without sub-attribute merges the given
 *   sub-attributes into each matching element (type etc. are kept).
 * - remove with a filter that matches nothing is a no-op (Entra retries).
 * - Setting `primary: true` on an element sets the others to false (RFC 7644
 *   §3.5.2).
 * - Removing a required attribute (userName) is 400 mutability, like
 *   changing it: the result could never be stored.
 * - Removing `active`, or setting it to null, is 400 mutability too: a user
 *   always has a state, and a 200 that changed nothing would let a client
 *   believe it had deactivated someone. `replace` with false deactivates.
 * - A path naming id or meta is 400 mutability; `groups` (read-only) and
 *   `password` (never stored) are ignored, as in PUT; an attribute of a
 *   schema we do not implement (a custom Entra extension) is ignored; an
 *   unknown attribute of the User schemas is 400 invalidPath.
 * - Without a path, `value` keys are attribute names, dotted paths, URN paths
 *   or filtered paths; as in a PUT body, unknown, read-only, id and meta keys
 *   are ignored there.
 * - Complex attributes (name, manager) merge the sub-attributes given (RFC
 *   7644 §3.5.2.3); `manager` given as a plain id string replaces the manager.
 * - The operations are applied to a copy, then the result is re-read with
 *   parseUserInput: either every operation applies or none does. Each value an
 *   operation brings is checked as text where it is read (normalizeAttributeValue);
 *   values already stored are not checked again.
 * - At most MAX_PATCH_OPERATIONS operations (400 tooMany beyond): each is read and
 *   applied on the event loop, and 1 MiB of filtered-path operations (~13,000) held
 *   it for 100 ms.
 */
import { ScimError } from './scim-error';
import { FilterNode, valueFilterToString } from './filter.ast';
import { evaluateElementFilter } from './filter.evaluate';
import { parsePatchPath } from './filter.parser';
import {
  AttributeDefinition,
  CORE_USER_SCHEMA,
  MAX_PATCH_OPERATIONS,
  PATCH_OP_SCHEMA,
  ResolvedAttribute,
  lookupAttribute,
  lookupSubAttribute,
} from './user.schema';
import { ScimUserInput, getCaseInsensitive, isPlainObject, normalizeAttributeValue, parseUserInput } from './user.resource';

type Json = Record<string, unknown>;
type OpName = 'add' | 'replace' | 'remove';

interface Operation {
  op: OpName;
  path?: string;
  value: unknown;
  hasValue: boolean;
}

function readOperations(body: unknown): Operation[] {
  if (!isPlainObject(body)) {
    throw ScimError.invalidSyntax('The PATCH body must be a JSON object with "schemas" and "Operations".');
  }
  const schemas = getCaseInsensitive(body, 'schemas');
  if (schemas !== undefined && schemas !== null) {
    const ok =
      Array.isArray(schemas) && schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase());
    if (!ok) throw ScimError.invalidSyntax(`The PATCH body's schemas must be ["${PATCH_OP_SCHEMA}"].`);
  }
  const operations = getCaseInsensitive(body, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0) {
    throw ScimError.invalidSyntax('The PATCH body must have an "Operations" array with at least one operation.');
  }
  if (operations.length > MAX_PATCH_OPERATIONS) {
    throw ScimError.tooMany(
      `The PATCH has ${operations.length.toLocaleString('en-US')} operations; this server applies at most ${MAX_PATCH_OPERATIONS} in one request. Send the rest in another PATCH.`,
    );
  }
  return operations.map((raw, i) => {
    const n = i + 1;
    if (!isPlainObject(raw)) {
      throw ScimError.invalidSyntax(`Operation ${n} must be an object with "op", "path" and "value".`);
    }
    const op = getCaseInsensitive(raw, 'op');
    const name = typeof op === 'string' ? op.trim().toLowerCase() : '';
    if (name !== 'add' && name !== 'replace' && name !== 'remove') {
      throw ScimError.invalidSyntax(
        `Operation ${n} has op ${JSON.stringify(op) ?? 'missing'}; use "add", "replace" or "remove".`,
      );
    }
    const path = getCaseInsensitive(raw, 'path');
    if (path !== undefined && path !== null && typeof path !== 'string') {
      throw ScimError.invalidPath(`Operation ${n} has a path that is not a string.`);
    }
    const hasValue = Object.keys(raw).some((k) => k.toLowerCase() === 'value');
    const value = getCaseInsensitive(raw, 'value');
    if (name !== 'remove' && !hasValue) {
      throw ScimError.invalidValue(`Operation ${n} (${name}) has no "value".`);
    }
    return { op: name, ...(typeof path === 'string' && path.trim() !== '' ? { path } : {}), value, hasValue };
  });
}

function containerFor(doc: Json, schema: string): Json {
  if (schema === CORE_USER_SCHEMA) return doc;
  if (!isPlainObject(doc[schema])) doc[schema] = {};
  return doc[schema] as Json;
}

function elementsOf(container: Json, name: string): Json[] {
  const value = container[name];
  return Array.isArray(value) ? (value as Json[]) : [];
}

function setElements(container: Json, name: string, elements: Json[]): void {
  if (elements.length === 0) delete container[name];
  else container[name] = elements;
}

function demoteOthers(elements: Json[], keep: Json): void {
  for (const e of elements) if (e !== keep && e.primary === true) e.primary = false;
}

function sameText(def: AttributeDefinition, a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string' && !def.caseExact) return a.toLowerCase() === b.toLowerCase();
  return a === b;
}

/** Whether `element` has every sub-attribute value that `item` gives. */
function matchesItem(def: AttributeDefinition, element: Json, item: Json): boolean {
  return (def.subAttributes ?? []).every(
    (sub) => item[sub.name] === undefined || sameText(sub, element[sub.name], item[sub.name]),
  );
}

function sameElement(def: AttributeDefinition, a: Json, b: Json): boolean {
  return matchesItem(def, a, b) && matchesItem(def, b, a);
}

/** Sets the sub-attributes given in `raw` on `target`; null or "" clears one. */
function mergeSubAttributes(def: AttributeDefinition, target: Json, raw: unknown, label: string): void {
  if (!isPlainObject(raw)) {
    const names = (def.subAttributes ?? []).map((s) => s.name).join(', ');
    throw ScimError.invalidValue(`${label} must be an object with ${names}, not ${JSON.stringify(raw)?.slice(0, 60)}.`);
  }
  for (const sub of def.subAttributes ?? []) {
    if (sub.mutability === 'readOnly' || sub.name === '$ref') continue;
    const given = Object.keys(raw).some((k) => k.toLowerCase() === sub.name.toLowerCase());
    if (!given) continue;
    const value = normalizeAttributeValue(sub, getCaseInsensitive(raw, sub.name), `${label}.${sub.name}`);
    if (value === undefined) delete target[sub.name];
    else target[sub.name] = value;
  }
}

/** The element a filter describes, when it is `a eq x and b eq y ...`; undefined otherwise. */
function seedFromFilter(filter: FilterNode): Json | undefined {
  if (filter.op === 'eq' && filter.value !== null && filter.path.subAttribute !== undefined) {
    return { [filter.path.subAttribute]: filter.value };
  }
  if (filter.op !== 'and') return undefined;
  const seed: Json = {};
  for (const part of filter.filters) {
    const s = seedFromFilter(part);
    if (!s) return undefined;
    for (const [k, v] of Object.entries(s)) {
      if (k in seed && seed[k] !== v) return undefined;
      seed[k] = v;
    }
  }
  return seed;
}

/** A single element object stands for a one-element array (RFC 7644 §3.5.2.1 examples send both). */
function wrapElement(value: unknown): unknown {
  return isPlainObject(value) ? [value] : value;
}

/** `attr`, `attr.sub`, `urn:...:attr` without a value filter. */
function applyPlain(container: Json, resolved: ResolvedAttribute, op: Operation, label: string): void {
  const { definition: def, subDefinition: sub } = resolved;
  if (sub) {
    if (def.multiValued) {
      // `emails.value`: every element.
      const elements = elementsOf(container, def.name);
      if (op.op === 'remove') {
        elements.forEach((e) => delete e[sub.name]);
        return setElements(container, def.name, elements);
      }
      const value = normalizeAttributeValue(sub, op.value, label);
      if (elements.length === 0) {
        if (value !== undefined) container[def.name] = [{ [sub.name]: value }];
        return;
      }
      elements.forEach((e) => (value === undefined ? delete e[sub.name] : (e[sub.name] = value)));
      return setElements(container, def.name, elements);
    }
    const parent = isPlainObject(container[def.name]) ? (container[def.name] as Json) : {};
    const value = op.op === 'remove' ? undefined : normalizeAttributeValue(sub, op.value, label);
    if (value === undefined) delete parent[sub.name];
    else parent[sub.name] = value;
    container[def.name] = parent;
    return;
  }
  if (op.op === 'remove' && !def.multiValued) {
    delete container[def.name];
    return;
  }
  if (def.multiValued) {
    const existing = elementsOf(container, def.name);
    if (op.op === 'remove') {
      if (op.value === undefined || op.value === null) {
        delete container[def.name];
        return;
      }
      // `{"op":"remove","path":"emails","value":[{"value":"a@b.c"}]}` removes those elements.
      const items = (normalizeAttributeValue(def, wrapElement(op.value), label) ?? []) as Json[];
      return setElements(
        container,
        def.name,
        existing.filter((e) => !items.some((item) => matchesItem(def, e, item))),
      );
    }
    const given = (normalizeAttributeValue(def, wrapElement(op.value), label) ?? []) as Json[];
    if (op.op === 'replace') return setElements(container, def.name, given);
    for (const element of given) {
      if (existing.some((e) => sameElement(def, e, element))) continue;
      existing.push(element);
      if (element.primary === true) demoteOthers(existing, element);
    }
    return setElements(container, def.name, existing);
  }
  if (def.type === 'complex') {
    // Older Entra jobs send the manager as `[{ "value": "<id>" }]`.
    if (Array.isArray(op.value) && op.value.length === 1) op = { ...op, value: op.value[0] };
    if (op.value === null || op.value === '' || typeof op.value === 'string' || typeof op.value === 'number') {
      // A plain manager id replaces the manager; null or "" clears it.
      const value = normalizeAttributeValue(def, op.value, label);
      if (value === undefined) delete container[def.name];
      else container[def.name] = value;
      return;
    }
    const target = isPlainObject(container[def.name]) ? (container[def.name] as Json) : {};
    mergeSubAttributes(def, target, op.value, label);
    container[def.name] = target;
    return;
  }
  const value = normalizeAttributeValue(def, op.value, label);
  if (value === undefined) delete container[def.name];
  else container[def.name] = value;
}

/** `emails[type eq "work"]` and `emails[type eq "work"].value`. */
function applyFiltered(
  container: Json,
  resolved: ResolvedAttribute,
  filter: FilterNode,
  sub: AttributeDefinition | undefined,
  op: Operation,
  label: string,
): void {
  const def = resolved.definition;
  const elements = elementsOf(container, def.name);
  const matches = elements.filter((e) => evaluateElementFilter(filter, e));
  if (op.op === 'remove') {
    if (sub) matches.forEach((e) => delete e[sub.name]);
    return setElements(container, def.name, sub ? elements : elements.filter((e) => !matches.includes(e)));
  }
  if (matches.length === 0) {
    const seed = seedFromFilter(filter);
    if (!seed) {
      throw ScimError.noTarget(
        `no element of ${def.name} matches [${valueFilterToString(filter)}], and a new one can only be created from a filter of "eq" comparisons joined by "and".`,
      );
    }
    let raw: Json;
    if (sub) raw = { ...seed, [sub.name]: op.value };
    else if (isPlainObject(op.value)) raw = { ...seed, ...op.value };
    else throw ScimError.invalidValue(`${label} must be an object of ${def.name} sub-attributes.`);
    const created = (normalizeAttributeValue(def, [raw], label) as Json[] | undefined)?.[0];
    if (!created) return;
    elements.push(created);
    if (created.primary === true) demoteOthers(elements, created);
    return setElements(container, def.name, elements);
  }
  for (const element of matches) {
    if (sub) {
      const value = normalizeAttributeValue(sub, op.value, label);
      if (value === undefined) delete element[sub.name];
      else element[sub.name] = value;
    } else {
      mergeSubAttributes(def, element, op.value, label);
    }
    if (element.primary === true && (sub ? sub.name === 'primary' : isPlainObject(op.value))) {
      demoteOthers(elements, element);
    }
  }
  setElements(container, def.name, elements);
}

/**
 * Applies one operation at `pathText`. `explicit` is false for the keys of a
 * path-less value, which are read like a PUT body (unknown and read-only
 * attributes ignored).
 */
function applyPath(doc: Json, op: Operation, pathText: string, explicit: boolean): void {
  const syntax = parsePatchPath(pathText);
  const found = lookupAttribute(syntax.attribute);
  if (found.kind === 'unknownSchema') return;
  if (found.kind === 'unknownAttribute') {
    if (!explicit) return;
    throw ScimError.invalidPath(`the path '${pathText}' does not name an attribute: ${found.reason}.`);
  }
  if (found.kind === 'schema') {
    if (syntax.filter) throw ScimError.invalidPath(`the path '${pathText}' puts a filter on a schema.`);
    if (op.op === 'remove') {
      if (found.schema.id === CORE_USER_SCHEMA) {
        throw ScimError.noTarget('the core User schema cannot be removed; name an attribute in the path.');
      }
      delete doc[found.schema.id];
      return;
    }
    if (!isPlainObject(op.value)) {
      throw ScimError.invalidValue(`the value for '${pathText}' must be an object of its attributes.`);
    }
    for (const [key, value] of Object.entries(op.value)) {
      applyPath(doc, { ...op, value }, `${found.schema.id}:${key}`, false);
    }
    return;
  }
  const resolved = found.resolved;
  const { definition } = resolved;
  if (resolved.path.schema === CORE_USER_SCHEMA && (definition.name === 'id' || definition.name === 'meta')) {
    if (!explicit) return;
    throw ScimError.mutability(`${definition.name} is assigned by the server and cannot be modified.`);
  }
  if (definition.mutability === 'readOnly' || definition.mutability === 'writeOnly') return;
  if (op.op === 'remove' && definition.required && !resolved.subDefinition && !syntax.filter) {
    throw ScimError.mutability(`${definition.name} is required and cannot be removed.`);
  }
  const isActive = resolved.path.schema === CORE_USER_SCHEMA && definition.name === 'active';
  if (isActive && (op.op === 'remove' || op.value === null)) {
    throw ScimError.mutability('active cannot be removed; replace it with false to deactivate the user.');
  }
  const container = containerFor(doc, resolved.path.schema);
  if (!syntax.filter) return applyPlain(container, resolved, op, pathText);
  if (resolved.subDefinition || !definition.multiValued || definition.type !== 'complex') {
    throw ScimError.invalidPath(
      `the path '${pathText}' has a [filter], which only multi-valued attributes such as emails or addresses take.`,
    );
  }
  let sub: AttributeDefinition | undefined;
  if (syntax.subAttribute !== undefined) {
    sub = lookupSubAttribute(resolved, syntax.subAttribute)?.subDefinition;
    if (!sub) {
      const known = (definition.subAttributes ?? []).map((s) => s.name).join(', ');
      throw ScimError.invalidPath(`${definition.name} has no sub-attribute '${syntax.subAttribute}' (it has ${known}).`);
    }
  }
  applyFiltered(container, resolved, syntax.filter(resolved), sub, op, pathText);
}

function applyOperation(doc: Json, op: Operation): void {
  if (op.path !== undefined) return applyPath(doc, op, op.path, true);
  if (op.op === 'remove') {
    throw ScimError.noTarget('remove needs a "path" naming what to remove, e.g. "path": "title".');
  }
  if (!isPlainObject(op.value)) {
    throw ScimError.invalidValue(`without a path, "value" must be an object of attributes, e.g. {"active": false}.`);
  }
  for (const [key, value] of Object.entries(op.value)) {
    if (key.toLowerCase() === 'schemas') continue;
    // Keys that look like filtered paths are read strictly: the client meant a path.
    if (!key.includes('[')) {
      const found = lookupAttribute(key);
      if (found.kind === 'unknownAttribute' || found.kind === 'unknownSchema') continue;
    }
    applyPath(doc, { ...op, value }, key, false);
  }
}

/**
 * Applies a SCIM PATCH body to a user and returns the patched user, re-read
 * through parseUserInput. `current` is not modified. Errors are ScimError 400
 * (invalidSyntax, invalidPath, invalidValue, noTarget, mutability) whose
 * detail starts with the operation's number.
 * Whether userName changed (Torii forbids it) is for the caller to check.
 */
export function applyUserPatch(current: ScimUserInput, body: unknown): ScimUserInput {
  const operations = readOperations(body);
  const doc = structuredClone(current) as unknown as Json;
  operations.forEach((op, i) => {
    try {
      applyOperation(doc, op);
    } catch (error) {
      if (!(error instanceof ScimError)) throw error;
      const where = `Operation ${i + 1} (${op.op}${op.path !== undefined ? ` ${op.path.slice(0, 200)}` : ''})`;
      throw new ScimError(error.status, `${where}: ${error.detail}`, error.scimType);
    }
  });
  return parseUserInput(doc, 'replace', { textChecked: true });
}
