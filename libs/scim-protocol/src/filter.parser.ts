/*
 * RFC 7644 §3.4.2.2 filter parser.
 *
 * Why not scim2-parse-filter (evaluated; see docs/decisions.md): its tokenizer rewrites
 * backslashes before JSON.parse, so "\\" and "\u0041" come out wrong; it turns
 * `emails[type eq "work"].value eq "x"` into `emails[type eq "work"] and
 * emails.value eq "x"`, which may match two different emails; it has no length
 * or nesting limit (deep input overflows the stack with a RangeError); it
 * accepts `$ref` only in some positions; and its errors are plain Errors with
 * token dumps rather than sentences. A recursive-descent parser over a tiny
 * lexer is about as long as the wrapper those fixes would need.
 */
import { ScimError, ScimType } from './scim-error';
import { parseDateTime } from './datetime';
import { codePointName, findTextProblem } from './text';
import { COMPARE_OPERATORS, CompareOperator, FilterNode, FilterValue } from './filter.ast';
import {
  AttributeDefinition,
  ResolvedAttribute,
  SchemaDefinition,
  lookupAttribute,
  lookupSubAttribute,
  pathToString,
} from './user.schema';

export const MAX_FILTER_LENGTH = 4096;
export const MAX_FILTER_DEPTH = 50;
/** Keeps the generated SQL well inside SQLite's expression-depth limit (1000). */
export const MAX_FILTER_TERMS = 200;

// ---------------------------------------------------------------- lexer

type TokenType = 'word' | 'string' | 'number' | '(' | ')' | '[' | ']' | '.' | 'end';

interface Token {
  type: TokenType;
  /** The source text of the token. */
  text: string;
  /** 1-based character position, for error messages. */
  pos: number;
  /** Decoded value of a string token. */
  value?: string;
}

const WORD = /[A-Za-z_$][A-Za-z0-9_\-.:$]*/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const DELIMITER = /[\s()[\]]/;

function describe(token: Token): string {
  return token.type === 'end' ? 'the end of the filter' : `'${token.text.slice(0, 40)}' at position ${token.pos}`;
}

function tokenize(text: string, fail: (message: string) => never): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const pos = i + 1;
    if ('()[].'.includes(ch)) {
      tokens.push({ type: ch as TokenType, text: ch, pos });
      i++;
      continue;
    }
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) fail(`The string that starts at position ${pos} has no closing double quote.`);
      const raw = text.slice(i, j + 1);
      let value: string;
      try {
        value = JSON.parse(raw) as string;
      } catch {
        fail(
          `The string that starts at position ${pos} is not a valid JSON string; escape a quote as \\" and a backslash as \\\\.`,
        );
      }
      // No stored value holds a control character (names, emails and ids refuse them), and a NUL ends SQLite's LIKE
      // pattern early. A lone surrogate (written as an escape, "\ud800") is no text at all: no value can equal it.
      const problem = findTextProblem(value);
      if (problem?.kind === 'control') {
        fail(
          `The string that starts at position ${pos} contains a control character (${codePointName(problem.codeUnit)}); filter values cannot.`,
        );
      } else if (problem) {
        fail(
          `The string that starts at position ${pos} holds a lone UTF-16 surrogate (${codePointName(problem.codeUnit)}); filter values must be well-formed Unicode text.`,
        );
      }
      tokens.push({ type: 'string', text: raw, pos, value });
      i = j + 1;
      continue;
    }
    NUMBER.lastIndex = i;
    const number = /[-\d]/.test(ch) ? NUMBER.exec(text) : null;
    if (number) {
      const end = i + number[0].length;
      if (end < text.length && !DELIMITER.test(text[end] as string)) {
        fail(`Unexpected '${text.slice(i, end + 1)}' at position ${pos}; a number must be followed by a space or a bracket.`);
      }
      tokens.push({ type: 'number', text: number[0], pos });
      i = end;
      continue;
    }
    WORD.lastIndex = i;
    const word = WORD.exec(text);
    if (word) {
      tokens.push({ type: 'word', text: word[0], pos });
      i += word[0].length;
      continue;
    }
    const quote = ch === "'" ? ' Strings are written in double quotes.' : '';
    fail(`Unexpected character '${ch}' at position ${pos}.${quote}`);
  }
  tokens.push({ type: 'end', text: '', pos: text.length + 1 });
  return tokens;
}

// ---------------------------------------------------------------- syntax tree

type RawValue =
  { kind: 'string'; value: string } | { kind: 'number'; text: string } | { kind: 'boolean'; value: boolean } | { kind: 'null' };

type RawNode =
  | { op: 'and' | 'or'; filters: RawNode[] }
  | { op: 'not'; filter: RawNode }
  | { op: 'pr'; path: string; pos: number }
  | { op: CompareOperator; path: string; pos: number; value: RawValue; valuePos: number }
  | { op: '[]'; path: string; pos: number; filter: RawNode };

class Parser {
  /** Index of the next token; parsePatchPath reads it to find the ']'. */
  index = 0;
  private depth = 0;
  private terms = 0;

  constructor(
    private readonly tokens: Token[],
    readonly fail: (message: string) => never,
  ) {}

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.type !== 'end') this.index++;
    return token;
  }

  private isKeyword(token: Token, keyword: string): boolean {
    return token.type === 'word' && token.text.toLowerCase() === keyword;
  }

  private enter(token: Token): void {
    if (++this.depth > MAX_FILTER_DEPTH) {
      this.fail(`The filter is nested more than ${MAX_FILTER_DEPTH} levels deep at position ${token.pos}.`);
    }
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.type === 'end') return;
    if (token.type === ')') this.fail(`Unexpected ')' at position ${token.pos}: there is no '(' for it to close.`);
    this.fail(`Unexpected ${describe(token)} after a complete expression; combine expressions with 'and' or 'or'.`);
  }

  /** FILTER = orExpr; `inValueFilter` forbids nested value paths (RFC grammar). */
  parseOr(inValueFilter: boolean): RawNode {
    const filters = [this.parseAnd(inValueFilter)];
    while (this.isKeyword(this.peek(), 'or')) {
      this.next();
      filters.push(this.parseAnd(inValueFilter));
    }
    return filters.length === 1 ? (filters[0] as RawNode) : { op: 'or', filters };
  }

  private parseAnd(inValueFilter: boolean): RawNode {
    const filters = [this.parseUnary(inValueFilter)];
    while (this.isKeyword(this.peek(), 'and')) {
      this.next();
      filters.push(this.parseUnary(inValueFilter));
    }
    return filters.length === 1 ? (filters[0] as RawNode) : { op: 'and', filters };
  }

  private parseUnary(inValueFilter: boolean): RawNode {
    const token = this.peek();
    if (token.type === '(') {
      this.next();
      this.enter(token);
      const inner = this.parseOr(inValueFilter);
      this.close(')', token);
      this.depth--;
      return inner;
    }
    if (this.isKeyword(token, 'not') && this.tokens[this.index + 1]?.type === '(') {
      this.next();
      this.enter(token);
      const open = this.next();
      const inner = this.parseOr(inValueFilter);
      this.close(')', open);
      this.depth--;
      return { op: 'not', filter: inner };
    }
    if (this.isKeyword(token, 'not')) {
      this.fail(`'not' at position ${token.pos} must be followed by a filter in parentheses, as in not (title pr).`);
    }
    if (token.type !== 'word') {
      this.fail(`Expected an attribute name, 'not (' or '(' but found ${describe(token)}.`);
    }
    return this.parseAttributeExpression(inValueFilter);
  }

  private close(type: ')' | ']', open: Token): void {
    const token = this.next();
    if (token.type === type) return;
    if (token.type === 'end') {
      this.fail(`The '${open.text}' at position ${open.pos} is never closed with '${type}'.`);
    }
    this.fail(`Expected '${type}' to close the '${open.text}' at position ${open.pos} but found ${describe(token)}.`);
  }

  private parseAttributeExpression(inValueFilter: boolean): RawNode {
    const attr = this.next();
    const following = this.peek();
    if (following.type === '[') {
      if (inValueFilter) this.fail(`Value filters cannot be nested ('[' at position ${following.pos}).`);
      this.next();
      this.enter(following);
      const inner = this.parseOr(true);
      this.close(']', following);
      this.depth--;
      const node: RawNode = { op: '[]', path: attr.text, pos: attr.pos, filter: inner };
      if (this.peek().type !== '.') return node;
      // Entra sends `emails[type eq "work"].value eq "x"`: the comparison applies
      // to the same element, i.e. `emails[type eq "work" and value eq "x"]`.
      this.next();
      const sub = this.next();
      if (sub.type !== 'word' || sub.text.includes('.') || sub.text.includes(':')) {
        this.fail(`Expected a sub-attribute name after '].' but found ${describe(sub)}.`);
      }
      const tail = this.parseOperator(sub);
      return { ...node, filter: { op: 'and', filters: [inner, tail] } };
    }
    return this.parseOperator(attr);
  }

  private parseOperator(attr: Token): RawNode {
    const opToken = this.next();
    const op = opToken.type === 'word' ? opToken.text.toLowerCase() : '';
    if (++this.terms > MAX_FILTER_TERMS) {
      this.fail(`The filter has more than ${MAX_FILTER_TERMS} comparisons; split it into several requests.`);
    }
    if (op === 'pr') return { op: 'pr', path: attr.text, pos: attr.pos };
    if (!(COMPARE_OPERATORS as readonly string[]).includes(op)) {
      this.fail(
        `Expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr) after '${attr.text}' but found ${describe(opToken)}.`,
      );
    }
    const valueToken = this.next();
    return {
      op: op as CompareOperator,
      path: attr.text,
      pos: attr.pos,
      value: this.readValue(valueToken, op),
      valuePos: valueToken.pos,
    };
  }

  private readValue(token: Token, op: string): RawValue {
    if (token.type === 'string') return { kind: 'string', value: token.value as string };
    if (token.type === 'number') return { kind: 'number', text: token.text };
    if (token.type === 'word') {
      const word = token.text.toLowerCase();
      if (word === 'true' || word === 'false') return { kind: 'boolean', value: word === 'true' };
      if (word === 'null') return { kind: 'null' };
    }
    const hint = token.type === 'word' ? ' Put string values in double quotes.' : '';
    this.fail(
      `Expected a value (a "quoted string", a number, true, false or null) after '${op}' but found ${describe(token)}.${hint}`,
    );
  }
}

// ---------------------------------------------------------------- validation

interface Scope {
  fail: (message: string) => never;
  /** The resource type's schemas, where attribute names are looked up (USER_SCHEMAS unless told). */
  schemas?: readonly SchemaDefinition[];
  /** Set inside a value path: names are sub-attributes of this attribute. */
  parent?: ResolvedAttribute;
}

function resolve(path: string, pos: number, scope: Scope): ResolvedAttribute {
  if (scope.parent) {
    const sub = lookupSubAttribute(scope.parent, path);
    if (!sub) {
      const known = (scope.parent.definition.subAttributes ?? []).map((s) => s.name).join(', ');
      scope.fail(`'${scope.parent.definition.name}' has no sub-attribute '${path}' (position ${pos}); it has ${known}.`);
    }
    return sub;
  }
  const found = lookupAttribute(path, scope.schemas);
  switch (found.kind) {
    case 'attribute':
      return found.resolved;
    case 'schema':
      return scope.fail(`'${path}' at position ${pos} is a schema, not an attribute; add ':' and an attribute name.`);
    case 'unknownSchema':
      return scope.fail(`'${found.urn}' at position ${pos} is not a schema of this service provider.`);
    case 'unknownAttribute':
      return scope.fail(`Unknown attribute at position ${pos}: ${found.reason}.`);
  }
}

function target(resolved: ResolvedAttribute): AttributeDefinition {
  return resolved.subDefinition ?? resolved.definition;
}

/** `emails eq "x"` means `emails.value eq "x"` (RFC 7643 §2.4). */
function defaultSub(resolved: ResolvedAttribute, pos: number, scope: Scope): ResolvedAttribute {
  if (resolved.subDefinition || resolved.definition.type !== 'complex') return resolved;
  const name = pathToString(resolved.path);
  if (resolved.definition.multiValued) {
    const value = lookupSubAttribute(resolved, 'value');
    if (value) return value;
  }
  const example = resolved.definition.subAttributes?.[0]?.name ?? 'value';
  scope.fail(`'${name}' at position ${pos} is complex; compare one of its sub-attributes, e.g. ${name}.${example}.`);
}

function validateValue(
  resolved: ResolvedAttribute,
  op: CompareOperator,
  raw: RawValue,
  pos: number,
  valuePos: number,
  scope: Scope,
): FilterValue {
  const def = target(resolved);
  const name = pathToString(resolved.path);
  if (raw.kind === 'null') {
    if (op !== 'eq' && op !== 'ne') scope.fail(`null can only be compared with eq or ne (position ${valuePos}).`);
    return null;
  }
  if (def.type === 'binary' && op !== 'eq' && op !== 'ne') {
    scope.fail(`'${name}' is binary, so it can only be compared with eq or ne, not ${op} (position ${pos}).`);
  }
  switch (def.type) {
    case 'boolean': {
      if (op !== 'eq' && op !== 'ne') {
        scope.fail(`'${name}' is a boolean, so it can only be compared with eq or ne, not ${op} (position ${pos}).`);
      }
      if (raw.kind === 'boolean') return raw.value;
      if (raw.kind === 'string' && /^(true|false)$/i.test(raw.value)) return raw.value.toLowerCase() === 'true';
      return scope.fail(`'${name}' is a boolean; compare it with true or false (position ${valuePos}).`);
    }
    case 'dateTime': {
      if (op === 'co' || op === 'sw' || op === 'ew') {
        scope.fail(`'${name}' is a date-time; use eq, ne, gt, ge, lt or le, not ${op} (position ${pos}).`);
      }
      const iso = raw.kind === 'string' ? parseDateTime(raw.value) : undefined;
      if (!iso) {
        scope.fail(
          `'${name}' is a date-time; compare it with a quoted ISO 8601 timestamp such as "2024-05-01T00:00:00Z" (position ${valuePos}).`,
        );
      }
      return iso;
    }
    case 'binary':
    case 'string':
    case 'reference':
      if (raw.kind === 'string') return raw.value;
      // employeeNumber eq 12345: keep the digits as written, not as a JS number.
      if (raw.kind === 'number') return raw.text;
      return scope.fail(`'${name}' is a string; put the value in double quotes (position ${valuePos}).`);
    case 'integer':
    case 'decimal':
      if (raw.kind === 'number') return Number(raw.text);
      return scope.fail(`'${name}' is a number; compare it with a number (position ${valuePos}).`);
    case 'complex':
      return scope.fail(`'${name}' is complex; compare one of its sub-attributes (position ${pos}).`);
  }
}

function validate(node: RawNode, scope: Scope): FilterNode {
  switch (node.op) {
    case 'and':
    case 'or':
      return { op: node.op, filters: node.filters.map((f) => validate(f, scope)) };
    case 'not':
      return { op: 'not', filter: validate(node.filter, scope) };
    case 'pr':
      return { op: 'pr', path: resolve(node.path, node.pos, scope).path };
    case '[]': {
      const parent = resolve(node.path, node.pos, scope);
      if (parent.subDefinition || parent.definition.type !== 'complex') {
        scope.fail(
          `'${node.path}' at position ${node.pos} is not a complex attribute, so it cannot take a [filter]; use e.g. emails[type eq "work"].`,
        );
      }
      return { op: '[]', path: parent.path, filter: validate(node.filter, { ...scope, parent }) };
    }
    default: {
      const resolved = defaultSub(resolve(node.path, node.pos, scope), node.pos, scope);
      return {
        op: node.op,
        path: resolved.path,
        value: validateValue(resolved, node.op, node.value, node.pos, node.valuePos, scope),
      };
    }
  }
}

// ---------------------------------------------------------------- public API

function failWith(scimType: ScimType, prefix: string): (message: string) => never {
  return (message: string) => {
    throw new ScimError(400, `${prefix}${message}`, scimType);
  };
}

/**
 * Parses and validates a SCIM filter (RFC 7644 §3.4.2.2). Attribute names,
 * operators and true/false/null are case-insensitive; names come back in
 * schema case. Any problem is a ScimError 400 invalidFilter whose detail says
 * what and where.
 *
 * The text must already be URL-decoded by the caller; a '+' inside it is kept
 * as a '+'.
 */
/**
 * Whether `text` is a filter by the grammar alone, whatever attributes it names: the provisioning
 * inspector redacts the literals of well-formed filters, and withholds the others whole.
 */
export function isWellFormedFilter(text: string): boolean {
  const fail = failWith('invalidFilter', 'Invalid filter: ');
  try {
    const parser = new Parser(tokenize(text, fail), fail);
    parser.parseOr(false);
    parser.expectEnd();
    return true;
  } catch {
    return false;
  }
}

export function parseFilter(text: string, schemas?: readonly SchemaDefinition[]): FilterNode {
  const fail = failWith('invalidFilter', 'Invalid filter: ');
  if (typeof text !== 'string' || text.trim() === '') {
    fail('the filter is empty; write an expression such as userName eq "bjensen@example.com".');
  }
  if (text.length > MAX_FILTER_LENGTH) {
    fail(`the filter is ${text.length} characters long; the limit is ${MAX_FILTER_LENGTH}.`);
  }
  const parser = new Parser(tokenize(text, fail), fail);
  const raw = parser.parseOr(false);
  parser.expectEnd();
  return validate(raw, { fail, schemas });
}

/** A PATCH path (RFC 7644 §3.5.2): `attrPath`, `attrPath[valFilter]` or `attrPath[valFilter].subAttr`. */
export interface PatchPathSyntax {
  /** The attribute part as written, e.g. `emails` or `urn:...:User:manager`. */
  attribute: string;
  /** Validates the value filter against the attribute it applies to. */
  filter?: (parent: ResolvedAttribute) => FilterNode;
  subAttribute?: string;
}

/** Parses the syntax of a PATCH path; errors are ScimError 400 invalidPath. */
export function parsePatchPath(text: string): PatchPathSyntax {
  const fail = failWith('invalidPath', `The path '${text.slice(0, 200)}' is invalid: `);
  if (text.trim() === '') fail('it is empty.');
  if (text.length > MAX_FILTER_LENGTH) fail(`it is longer than ${MAX_FILTER_LENGTH} characters.`);
  const tokens = tokenize(text, fail);
  const first = tokens[0] as Token;
  if (first.type !== 'word') fail(`it must start with an attribute name, not ${describe(first)}.`);
  const second = tokens[1] as Token;
  if (second.type === 'end') return { attribute: first.text };
  if (second.type !== '[') fail(`unexpected ${describe(second)} after the attribute name.`);
  // Parse `[valFilter]` with the filter parser, starting at the '['.
  const parser = new Parser([...tokens.slice(2)], fail);
  const raw = parser.parseOr(true);
  const rest = tokens.slice(2 + parser.index);
  const close = rest[0] as Token;
  if (close.type !== ']') {
    fail(
      close.type === 'end' ? `the '[' at position ${second.pos} is never closed.` : `expected ']' but found ${describe(close)}.`,
    );
  }
  const filter = (parent: ResolvedAttribute) => validate(raw, { fail, parent });
  const after = rest[1] as Token;
  if (after.type === 'end') return { attribute: first.text, filter };
  const sub = rest[2] as Token;
  if (after.type !== '.' || sub.type !== 'word' || sub.text.includes('.') || (rest[3] as Token).type !== 'end') {
    fail(`after ']' only '.subAttribute' may follow, as in emails[type eq "work"].value.`);
  }
  return { attribute: first.text, filter, subAttribute: sub.text };
}
