/*
 * What the provisioning inspector (contract §11) may keep of a SCIM request: its bodies with the
 * values that must never be stored replaced by "[redacted]", cut to a size, and which identity
 * provider sent it. Pure functions; the recording itself lives in the server.
 *
 * Redaction (redactScimBody) walks any JSON — a request, a response, a ListResponse, a PATCH —
 * and replaces:
 * - every `password`, wherever it is: a key at any depth (`password`, `Password`,
 *   `urn:ietf:params:scim:schemas:core:2.0:User:password`, `name.password`), a PATCH operation whose
 *   path names it (its whole `value`);
 * - every attribute of a RedactionRules list (SCIM_REDACT_ATTRIBUTES), matched by name
 *   case-insensitively, in these forms:
 *   - `employeeNumber`: the key's whole value, wherever the key is — at the top of a resource, in
 *     the enterprise extension object, in a PATCH value object — and a PATCH operation whose path
 *     names it;
 *   - `name.familyName`: the familyName inside name (and a `name.familyName` key or path);
 *   - `phoneNumbers`: the whole array;
 *   - `emails.value`: the value of each element; a bare string where an element or its value is
 *     expected (`"emails": ["a@example.com"]`, a `manager` given as a plain id) is that value too;
 *   - with a schema URN (`urn:...:enterprise:2.0:User:employeeNumber`) or without: an attribute is
 *     matched by its name whatever its schema, as lookupAttribute resolves unqualified names in
 *     every schema. A custom extension attribute named like a core one redacts both: the safe side.
 * - in a value filter comparing a redacted attribute (`emails[value eq "a@example.com"]`), the
 *   compared literal, in a PATCH path and in a value-object key alike; in a `filter` string (a
 *   SearchRequest of POST /.search), each literal compared with a redacted attribute (redactFilter).
 * A `null` stays `null`: it hides nothing, and "the client sent null" is what support looks for.
 * The attributes apply to Users and Groups alike (a listed displayName hides a group's name too).
 * In discovery documents (/Schemas, /ResourceTypes, /ServiceProviderConfig) a string under `name`,
 * `description`, `type` or `id` names an attribute or a schema, not a person, and stays:
 * `"name": "userName"` remains readable when `name` is listed. Everything else applies there too.
 *
 * Speed: each distinct key (and PATCH path) is resolved once and remembered by the rules, so the walk
 * costs a map lookup per key and a copy: 3 µs for Okta's 1.1 KB create body, 3.5 µs for a 1 KB Entra
 * PATCH of 12 operations; JSON.stringify of the Okta body takes 4 µs. The result is a deep copy, so
 * a handler that changes the parsed body afterwards cannot change what was recorded.
 */

import { isWellFormedFilter } from './filter.parser';
import { CORE_GROUP_SCHEMA, CORE_USER_SCHEMA, ENTERPRISE_USER_SCHEMA } from './user.schema';

/** What a value that must never be stored is replaced with. */
export const REDACTED = '[redacted]';
/** The most bytes of UTF-8 kept of each recorded body (contract §11: 64 KB, cut with a marker). */
export const MAX_RECORDED_BODY_BYTES = 65_536;

/** SCIM bodies nest six levels at most; deeper JSON is not walked (nor its stack risked). */
const MAX_DEPTH = 64;
const TOO_DEEP = `[cut: nested deeper than ${MAX_DEPTH} levels]`;
/** Keys remembered per RedactionRules (then forgotten at once): every attribute and message key, many times over. */
const KEY_CACHE_LIMIT = 4096;

const DISCOVERY_SCHEMAS = new Set([
  'urn:ietf:params:scim:schemas:core:2.0:Schema',
  'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
]);
/** Keys of discovery documents whose string values describe, and may share a listed attribute's name. */
const DESCRIPTIVE_KEYS = new Set(['name', 'description', 'type', 'id']);
const SCHEMA_URNS = new Set([CORE_USER_SCHEMA, CORE_GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA].map((urn) => urn.toLowerCase()));
/** RFC 7643 §2.1 ATTRNAME, plus `$ref`. */
const ATTRIBUTE_NAME = /^(?:[A-Za-z][\w-]*|\$ref)$/;
/** A filter's compared value: a JSON string, or a bare token (number, true, false, null). */
const LITERAL = String.raw`"(?:[^"\\]|\\.)*"|[^\s\])]+`;
const COMPARISON = String.raw`\s+(?:eq|ne|co|sw|ew|gt|ge|lt|le)\s+`;
const ANY_COMPARED_LITERAL = new RegExp(`(${COMPARISON})(${LITERAL})`, 'gi');

interface AttributeRule {
  /** The attribute's whole value is redacted. */
  readonly whole: boolean;
  /** Lower-cased sub-attributes redacted in each value (familyname of name, value of emails). */
  readonly subs: ReadonlySet<string>;
  /** Matches a comparison of one of `subs` in a value filter; group 2 is the compared literal. */
  readonly subComparison?: RegExp;
}

/** What a key (or a PATCH path) means for redaction, resolved once per distinct key. */
interface KeyMeaning {
  readonly lower: string;
  readonly password: boolean;
  /** The key's value is replaced: password, or a listed attribute or sub-attribute. */
  readonly redact: boolean;
  /** The key names a listed complex or multi-valued attribute: its value's sub-attributes are checked against this. */
  readonly within?: AttributeRule;
  /** The key or path with the literals its value filter compares with a redacted attribute redacted. */
  readonly renamed?: string;
  /** `Operations` (any case): an array of PATCH (or bulk) operations. */
  readonly operations: boolean;
}

/**
 * A parsed SCIM_REDACT_ATTRIBUTES list (compileRedactionRules): parse once at boot, use for every
 * body. Holds a cache of resolved keys, so one instance serves the whole process.
 */
export class RedactionRules {
  private readonly meanings = new Map<string, KeyMeaning>();

  /** @internal use compileRedactionRules */
  /** Any name whose key, path or filter may need redacting (password, the listed attributes), any case. */
  private readonly mention: RegExp;
  private readonly mentions: RegExp;
  /** Lower-cased names whose value is redacted whole wherever they are a key (password, whole listed attributes). */
  private readonly wholeKeys: ReadonlySet<string>;

  /** @internal use compileRedactionRules */
  constructor(
    /** The entries as given, trimmed, for documentation and the settings UI. */
    readonly attributes: readonly string[],
    private readonly rules: ReadonlyMap<string, AttributeRule>,
  ) {
    // A listed sub-attribute is looked for by its attribute's name: `emails.value` applies to
    // `"emails": ["a@example.com"]`, which names no `value`.
    const names = ['password', ...rules.keys()].map((n) => n.replace(/[$]/g, '\\$&'));
    const alternatives = names.join('|');
    // `u` and `i`: case folding, which matches whatever toLowerCase matches (the Kelvin sign K is a k to both).
    this.mention = new RegExp(alternatives, 'iu');
    this.mentions = new RegExp(alternatives, 'giu');
    this.wholeKeys = new Set([
      'password',
      ...[...rules].filter(([name, rule]) => rule.whole && !DESCRIPTIVE_KEYS.has(name)).map(([name]) => name),
    ]);
  }

  redact(body: unknown): unknown {
    return this.walk(body, undefined, 0, false);
  }

  /**
   * A JSON text (a request or response body, as sent) as it may be stored: the text itself when it
   * names nothing to redact; else the same JSON with those values REDACTED (see redactScimText).
   */
  redactText(text: string, valid = false): string {
    if (!this.mentionedIn(text)) return text;
    // Only in valid JSON is every unescaped quote a string's start or end: in `{"password": "se"cret"}`
    // the value's string would end early and leave `cret` behind.
    const quick = valid ? this.redactStringKeys(text) : undefined;
    if (quick !== undefined) return quick;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return withheld(text);
    }
    return JSON.stringify(this.redact(parsed)) ?? '';
  }

  /**
   * A SCIM filter with every literal compared with a redacted attribute REDACTED:
   * `password eq "x"`, `name.familyName sw "Sm"`, `emails[type eq "work" and value co "@x"]`,
   * `urn:...:enterprise:2.0:User:employeeNumber eq "7"`. Everything else is left as written. A filter
   * that names one of them but is not well-formed is REDACTED whole.
   */
  redactFilter(filter: string): string {
    if (!this.mention.test(filter)) return filter;
    // Only in a well-formed filter are the literals where the tokens below find them: in
    // `emails[value eq "a@b.c"` (never closed) the literal would be read as another attribute's.
    if (!isWellFormedFilter(filter)) return REDACTED;
    return filter.replace(
      FILTER_TOKEN,
      (token: string, _string, group?: string, inner?: string, path?: string, operator?: string) => {
        if (group !== undefined && inner !== undefined) {
          const redacted = inner.replace(FILTER_COMPARISON, (comparison: string, sub: string, op: string) =>
            this.comparesRedacted(`${group}.${sub}`) ? `${sub}${op}"${REDACTED}"` : comparison,
          );
          return `${group}[${redacted}]`;
        }
        if (path !== undefined && operator !== undefined && this.comparesRedacted(path)) return `${path}${operator}"${REDACTED}"`;
        return token;
      },
    );
  }

  /** Whether the text may name something to redact: a name of the rules, or a \u escape (which could spell one). */
  mentionedIn(text: string): boolean {
    return this.mention.test(text) || text.includes('\\u');
  }

  /** Whether a filter's comparison of this attribute path compares a redacted value. */
  private comparesRedacted(path: string): boolean {
    const meaning = this.meaningOf(path);
    // `emails eq "a@example.com"` compares the elements' value (RFC 7644 §3.4.2.2).
    return meaning.redact || (meaning.within?.subs.has('value') ?? false);
  }

  /**
   * The text with the string value of each key in wholeKeys replaced, without parsing it, when every
   * mention of a name of the rules is such a key (`"password": "…"`, Okta's create and PUT, a PATCH
   * value object); undefined otherwise (a PATCH path, a listed sub-attribute, an escape), and the body
   * is parsed. The same result as redact() but for the spacing: a key redacted there is one here.
   */
  private redactStringKeys(text: string): string | undefined {
    if (text.includes('\\u')) return undefined;
    const mentions = this.mentions;
    mentions.lastIndex = 0;
    let out = '';
    let copied = 0;
    for (let found = mentions.exec(text); found !== null; found = mentions.exec(text)) {
      const start = found.index;
      const end = start + found[0].length;
      if (!this.wholeKeys.has(found[0].toLowerCase()) || text.charCodeAt(start - 1) !== 0x22) return undefined;
      STRING_MEMBER_VALUE.lastIndex = end;
      const member = STRING_MEMBER_VALUE.exec(text);
      if (member === null) return undefined;
      const valueStart = member.index + member[0].length - member[1].length;
      out += `${text.slice(copied, valueStart)}"${REDACTED}"`;
      copied = member.index + member[0].length;
      mentions.lastIndex = copied;
    }
    return out + text.slice(copied);
  }

  private walk(value: unknown, within: AttributeRule | undefined, depth: number, discovery: boolean): unknown {
    if (typeof value !== 'object' || value === null) {
      // A bare value where a multi-valued element or a complex value was expected is its `value`
      // sub-attribute (RFC 7643 §2.4): Entra sends `manager` as a plain id, some clients emails as strings.
      return within !== undefined && value !== null && value !== undefined && within.subs.has('value') ? REDACTED : value;
    }
    if (depth >= MAX_DEPTH) return TOO_DEEP;
    if (Array.isArray(value)) {
      const out = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) out[i] = this.walk(value[i], within, depth + 1, discovery);
      return out;
    }
    if (!isJsonObject(value)) return value;
    const schemas = value.schemas;
    if (Array.isArray(schemas)) discovery = schemas.some((s) => DISCOVERY_SCHEMAS.has(s as string));
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) this.copyEntry(out, key, value[key], within, depth, discovery);
    return out;
  }

  /** Copies one key of an object being walked, redacted or walked. */
  private copyEntry(
    out: Record<string, unknown>,
    key: string,
    item: unknown,
    within: AttributeRule | undefined,
    depth: number,
    discovery: boolean,
  ): void {
    const meaning = this.meaningOf(key);
    const redact =
      item !== null &&
      (meaning.redact || (within !== undefined && within.subs.has(meaning.lower))) &&
      !(discovery && !meaning.password && typeof item === 'string' && DESCRIPTIVE_KEYS.has(meaning.lower));
    if (redact) {
      set(out, meaning.renamed ?? key, REDACTED);
    } else if (meaning.lower === 'filter' && typeof item === 'string') {
      // A SearchRequest's filter (POST /.search) compares values as a query's does.
      set(out, key, this.redactFilter(item));
    } else if (meaning.operations && Array.isArray(item)) {
      set(out, key, this.walkOperations(item, depth + 1));
    } else {
      set(out, meaning.renamed ?? key, this.walk(item, meaning.within, depth + 1, discovery));
    }
  }

  private walkOperations(operations: unknown[], depth: number): unknown[] {
    const out = new Array<unknown>(operations.length);
    for (let i = 0; i < operations.length; i++) {
      const operation = operations[i];
      out[i] =
        depth + 1 < MAX_DEPTH && isJsonObject(operation)
          ? this.walkOperation(operation, depth + 1)
          : this.walk(operation, undefined, depth + 1, false);
    }
    return out;
  }

  /** A PATCH operation: its `value` is what its `path` names (RFC 7644 §3.5.2). */
  private walkOperation(operation: Record<string, unknown>, depth: number): Record<string, unknown> {
    let target: KeyMeaning | undefined;
    for (const key of Object.keys(operation)) {
      const path = operation[key];
      if (typeof path === 'string' && this.meaningOf(key).lower === 'path') {
        const trimmed = path.trim();
        target = this.meaningOf(trimmed);
      }
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(operation)) {
      const item = operation[key];
      const lower = this.meaningOf(key).lower;
      if (target !== undefined && lower === 'value') {
        set(out, key, item !== null && target.redact ? REDACTED : this.walk(item, target.within, depth + 1, false));
      } else if (target !== undefined && lower === 'path') {
        set(out, key, target.renamed ?? item);
      } else {
        this.copyEntry(out, key, item, undefined, depth, false);
      }
    }
    return out;
  }

  private meaningOf(key: string): KeyMeaning {
    let meaning = this.meanings.get(key);
    if (meaning === undefined) {
      meaning = this.resolve(key);
      // Bounded: unique keys (Okta's `members[value eq "<id>"]` paths, a client's junk) would fill it;
      // starting again costs the usual keys one resolution each.
      if (this.meanings.size >= KEY_CACHE_LIMIT) this.meanings.clear();
      this.meanings.set(key, meaning);
    }
    return meaning;
  }

  /**
   * `password`, `name.familyName`, `urn:...:enterprise:2.0:User:employeeNumber`,
   * `emails[type eq "work"].value`: the attribute and sub-attribute a key or path names.
   */
  private resolve(raw: string): KeyMeaning {
    const lower = raw.toLowerCase();
    if (lower === 'operations') return { lower, password: false, redact: false, operations: true };
    // Indices are taken on `raw`: lower-casing can change a string's length (U+0130), never these ASCII marks.
    const open = raw.indexOf('[');
    const head = open < 0 ? raw : raw.slice(0, open);
    const start = lower.startsWith('urn:') ? head.lastIndexOf(':') + 1 : 0;
    const bracket = open < 0 ? -1 : open - start;
    const local = raw.slice(start);
    let name: string;
    let sub: string | undefined;
    let filter: { from: number; to: number } | undefined;
    const close = local.lastIndexOf(']');
    if (bracket >= 0 && close > bracket) {
      name = local.slice(0, bracket);
      const after = local.slice(close + 1);
      sub = after === '' ? undefined : after.startsWith('.') ? after.slice(1) : after;
      filter = { from: start + bracket + 1, to: start + close };
    } else {
      const dot = local.indexOf('.');
      name = dot < 0 ? local : local.slice(0, dot);
      sub = dot < 0 ? undefined : local.slice(dot + 1);
    }
    const attribute = name.toLowerCase();
    const subAttribute = sub?.toLowerCase();
    const password = attribute === 'password' || subAttribute === 'password';
    const rule = this.rules.get(attribute);
    const redact =
      password || (rule !== undefined && (rule.whole || (subAttribute !== undefined && rule.subs.has(subAttribute))));
    const within = !redact && subAttribute === undefined && rule !== undefined && rule.subs.size > 0 ? rule : undefined;
    let renamed: string | undefined;
    if (filter !== undefined && rule !== undefined) {
      const text = raw.slice(filter.from, filter.to);
      const redacted = redactFilterLiterals(text, rule);
      if (redacted !== text) renamed = raw.slice(0, filter.from) + redacted + raw.slice(filter.to);
    }
    return { lower, password, redact, within, renamed, operations: false };
  }
}

function redactFilterLiterals(filter: string, rule: AttributeRule): string {
  if (rule.whole) return filter.replace(ANY_COMPARED_LITERAL, (_, comparison: string) => `${comparison}"${REDACTED}"`);
  if (rule.subComparison === undefined) return filter;
  return filter.replace(rule.subComparison, (_, before: string) => `${before}"${REDACTED}"`);
}

/** Right after a key's name: its closing quote, the colon and a JSON string value (group 1). */
const STRING_MEMBER_VALUE = /"\s*:\s*("(?:[^"\\]|\\.)*")/y;
const ATTRIBUTE_PATH = String.raw`[A-Za-z$][\w$:.-]*`;
/** A comparison inside a value filter's brackets: group 1 the sub-attribute, group 2 the operator with its spaces. */
const FILTER_COMPARISON = new RegExp(`(?<=^|[\\s(])(${ATTRIBUTE_PATH})(${COMPARISON})(?:${LITERAL})`, 'giu');
/**
 * The tokens of a SCIM filter that matter for redaction, left to right: a string literal on its own
 * (group 1, skipped), a value filter `attr[...]` (groups 2, 3), or a comparison `path op literal`
 * (groups 4, 5). Brackets inside string literals do not end a value filter.
 */
const FILTER_TOKEN = new RegExp(
  `("(?:[^"\\\\]|\\\\.)*")|(${ATTRIBUTE_PATH})\\[((?:"(?:[^"\\\\]|\\\\.)*"|[^\\]"])*)\\]|(${ATTRIBUTE_PATH})(${COMPARISON})(?:${LITERAL})`,
  'giu',
);

/** What is kept of a body that names something to redact but is not JSON: its size, never its text. */
function withheld(text: string): string {
  return `[withheld: ${Buffer.byteLength(text, 'utf8').toLocaleString('en-US')} bytes that are not valid JSON and name a redacted attribute]`;
}

/** A plain object, as JSON.parse makes (not an array, a Buffer, a Date). */
function isJsonObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** out[key] = value, also for a key named `__proto__` (JSON.parse makes it an own property; an assignment would not). */
function set(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    out[key] = value;
  }
}

/**
 * Parses a list of attributes to redact (SCIM_REDACT_ATTRIBUTES, split on commas): `employeeNumber`,
 * `name.familyName`, `phoneNumbers`, `emails.value`, each optionally with its schema URN
 * (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`). Empty entries are
 * skipped. Throws an Error whose message names the first entry that is not an attribute path.
 */
export function compileRedactionRules(attributes: readonly string[]): RedactionRules {
  const entries: string[] = [];
  const wholes = new Set<string>();
  const subs = new Map<string, Set<string>>();
  for (const entry of attributes) {
    const text = entry.trim();
    if (text === '') continue;
    const [attribute, sub] = parseEntry(text);
    entries.push(text);
    if (sub === undefined) wholes.add(attribute);
    else subs.set(attribute, (subs.get(attribute) ?? new Set()).add(sub));
  }
  const rules = new Map<string, AttributeRule>();
  for (const attribute of new Set([...wholes, ...subs.keys()])) {
    const names = subs.get(attribute) ?? new Set<string>();
    const whole = wholes.has(attribute);
    const alternatives = [...names].map((n) => n.replace('$', '\\$')).join('|');
    rules.set(attribute, {
      whole,
      subs: whole ? new Set() : names,
      subComparison:
        whole || names.size === 0
          ? undefined
          : new RegExp(`((?:^|[\\s(\\[])(?:${alternatives})${COMPARISON})(?:${LITERAL})`, 'gi'),
    });
  }
  return new RedactionRules(entries, rules);
}

/** [attribute, sub-attribute?], lower-cased. */
function parseEntry(text: string): [string, string | undefined] {
  const example =
    'write an attribute (employeeNumber), a sub-attribute (name.familyName, emails.value) or either with its schema URN (urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber)';
  if (text.includes('[')) {
    throw new Error(
      `'${text}' has a value filter, which is not accepted here: ${example}. emails.value redacts every email address.`,
    );
  }
  let local = text;
  if (/^urn:/i.test(text)) {
    if (SCHEMA_URNS.has(text.toLowerCase())) {
      throw new Error(`'${text}' names a whole schema; list the attributes to redact instead: ${example}.`);
    }
    local = text.slice(text.lastIndexOf(':') + 1);
  }
  const parts = local.split('.');
  if (parts.length > 2 || !parts.every((p) => ATTRIBUTE_NAME.test(p))) {
    throw new Error(`'${text}' is not an attribute: ${example}.`);
  }
  return [parts[0]!.toLowerCase(), parts[1]?.toLowerCase()];
}

/** A deep copy of `body` in which every value that must never be stored is REDACTED (see the top of this file). */
export function redactScimBody(body: unknown, redacted: RedactionRules): unknown {
  return redacted.redact(body);
}

/**
 * A body as received or sent (JSON text, or whatever text a client sent) as it may be stored:
 * - the text as it is, when it names neither `password` nor a listed attribute (in any case) and
 *   holds no `\u` escape (which could spell one): there is nothing to redact, and support sees the
 *   exact bytes, spacing and mistakes included;
 * - else, when the text is known to be valid JSON (`valid`: the server parsed it, or wrote it) and
 *   every mention is a key with a string value to redact whole (`"password": "…"`), the text with
 *   those strings replaced, without parsing it again;
 * - else the JSON parsed, redacted (redactScimBody) and serialized again;
 * - and when it is not JSON, `[withheld: N bytes …]`: its values cannot be told apart, so none is kept.
 */
export function redactScimText(text: string, redacted: RedactionRules, valid = false): string {
  return redacted.redactText(text, valid);
}

/** SCIM list parameters that name attributes or page, never a value: kept as they are. */
const PLAIN_PARAMETERS = new Set(['attributes', 'excludedattributes', 'sortby', 'sortorder', 'startindex', 'count', 'cursor']);

/**
 * A query string (without `?`) as it may be stored: the `filter`'s literals compared with redacted
 * attributes REDACTED (redactFilter), the value of any other unknown parameter that names one
 * REDACTED whole, and each value passed through `scrub` (e.g. to remove credentials). The text as
 * it came when nothing changes; otherwise re-encoded, parameter by parameter.
 */
export function redactScimQuery(query: string, redacted: RedactionRules, scrub: (value: string) => string = (v) => v): string {
  if (query === '') return query;
  const parameters = new URLSearchParams(query);
  let changed = false;
  const out: string[] = [];
  for (const [name, value] of parameters) {
    const lower = name.toLowerCase();
    let kept =
      lower === 'filter'
        ? redacted.redactFilter(value)
        : PLAIN_PARAMETERS.has(lower) || !(redacted.mentionedIn(name) || redacted.mentionedIn(value))
          ? value
          : REDACTED;
    kept = scrub(kept);
    const keptName = scrub(name);
    if (kept !== value || keptName !== name) changed = true;
    out.push(`${encodeURIComponent(keptName)}=${encodeURIComponent(kept)}`);
  }
  return changed ? out.join('&') : query;
}

/**
 * `text` if its UTF-8 encoding fits in `maxBytes`; otherwise its longest prefix that fits together with
 * the marker `…[cut: 12,345 more bytes]`, never splitting a character (a surrogate pair is one
 * character). A lone surrogate counts as the 3 bytes of the U+FFFD it is stored as. A limit smaller than
 * the marker gives the marker alone.
 */
export function cutBody(text: string, maxBytes: number = MAX_RECORDED_BODY_BYTES): string {
  // Each UTF-16 code unit is at most 3 bytes of UTF-8 (a pair, 2 units, is 4).
  if (text.length * 3 <= maxBytes) return text;
  const total = Buffer.byteLength(text, 'utf8');
  if (total <= maxBytes) return text;
  // The marker for `total` is at least as long as the one written (fewer bytes cut, no more digits).
  const budget = Math.max(0, maxBytes - Buffer.byteLength(cutMarker(total), 'utf8'));
  // encodeInto stops before a character that does not fit: it never writes part of one, nor half a pair.
  const { read, written } = encoder.encodeInto(text, new Uint8Array(budget));
  return text.slice(0, read) + cutMarker(total - written);
}

const encoder = new TextEncoder();

function cutMarker(bytes: number): string {
  return `…[cut: ${bytes.toLocaleString('en-US')} more bytes]`;
}

export type ScimClient = 'okta' | 'entra' | 'other';

/**
 * The identity provider that sent a SCIM request, from its User-Agent.
 *
 * - Okta: every request in Okta's SCIM 2.0 reference (developer.okta.com, "Okta and SCIM Version
 *   2.0") carries `User-Agent: Okta SCIM Client 1.0.0`. We match "okta" anywhere, in any case.
 * - Microsoft Entra ID does not document its User-Agent. GitHub's SCIM API for Enterprise Managed
 *   Users tells Entra apart by "Microsoft Azure AD SCIM provisioning" in it (its tests use
 *   "Microsoft Azure AD SCIM provisioning 1.0.0"); PostHog's SCIM server (ee/api/scim/utils.py) by
 *   "entra" or "microsoft". We match "microsoft", "azure" or the word "entra", in any case, so a
 *   renamed product string ("Microsoft Entra ...") still counts.
 * Anything else, or no User-Agent, is "other". Only a label for support: nothing depends on it.
 */
export function scimClientOf(userAgent: string | undefined): ScimClient {
  if (!userAgent) return 'other';
  const agent = userAgent.toLowerCase();
  if (agent.includes('okta')) return 'okta';
  if (agent.includes('microsoft') || agent.includes('azure') || /\bentra\b/.test(agent)) return 'entra';
  return 'other';
}
