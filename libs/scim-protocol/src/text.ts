/*
 * What a string may hold (contract §9, "Strings"). Each string attribute has a kind of text, set
 * in the schema (AttributeDefinition.text); the admin API's validators use the same checks.
 *
 * - Every kind refuses a lone UTF-16 surrogate: it is not text (UTF-8 cannot encode it; the
 *   database would store U+FFFD while the answer echoed the original).
 * - `line` (the default) refuses the C0 control characters U+0000–U+001F and DEL (U+007F).
 * - `multiLine` lets tab, LF and CR through (addresses[].formatted, a postal address on lines).
 * - `identifier` also refuses the directional formatting characters U+202A–U+202E and
 *   U+2066–U+2069: in a value people read to tell one thing from another (a userName, an email
 *   address, a group or role name, a key's description) they make it display in another order
 *   than it is stored and compared ("\u202Emoc.liame@nimda" reads as "admin@email.com").
 *   Names meant only for display (displayName, name.*) may hold them: a right-to-left name can.
 * C1 controls (U+0080–U+009F) are not refused: the contract names C0 and DEL, and no client of
 * ours sends them.
 */

import { ScimError } from './scim-error';

export type TextKind = 'line' | 'multiLine' | 'identifier';

export interface TextProblem {
  kind: 'surrogate' | 'control' | 'directional';
  /** The offending UTF-16 code unit. */
  codeUnit: number;
  /** Its index in the string (0-based, in code units). */
  index: number;
}

// Each set of characters is written once; a kind's regular expression joins the sets it refuses,
// so a string is scanned once. Without the `u` flag a class matches UTF-16 code units: a high
// surrogate not followed by a low one, or a low one not preceded by a high one, is lone.
const CONTROL = '\\u0000-\\u001f\\u007f';
const CONTROL_BUT_LINE_BREAKS = '\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f';
const DIRECTIONAL = '\\u202a-\\u202e\\u2066-\\u2069';
const LONE_SURROGATE_SOURCE = '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';

const PATTERNS: Record<TextKind, RegExp> = {
  line: new RegExp(`[${CONTROL}]|${LONE_SURROGATE_SOURCE}`),
  multiLine: new RegExp(`[${CONTROL_BUT_LINE_BREAKS}]|${LONE_SURROGATE_SOURCE}`),
  identifier: new RegExp(`[${CONTROL}${DIRECTIONAL}]|${LONE_SURROGATE_SOURCE}`),
};
const LONE_SURROGATE = new RegExp(LONE_SURROGATE_SOURCE);
const DIRECTIONAL_FORMATTING = new RegExp(`[${DIRECTIONAL}]`);

/** The first character of `value` that a text of this kind may not hold; undefined when there is none. */
export function findTextProblem(value: string, kind: TextKind = 'line'): TextProblem | undefined {
  const match = PATTERNS[kind].exec(value);
  if (!match) return undefined;
  const codeUnit = match[0].charCodeAt(0);
  return {
    kind:
      codeUnit >= 0xd800 && codeUnit <= 0xdfff ? 'surrogate' : codeUnit < 0x20 || codeUnit === 0x7f ? 'control' : 'directional',
    codeUnit,
    index: match.index,
  };
}

/** The first lone UTF-16 surrogate of `value` (what ES2024's String.prototype.isWellFormed looks for), if any. */
export function findLoneSurrogate(value: string): TextProblem | undefined {
  const match = LONE_SURROGATE.exec(value);
  return match ? { kind: 'surrogate', codeUnit: match[0].charCodeAt(0), index: match.index } : undefined;
}

/** Whether `value` holds a directional formatting character (U+202A–U+202E, U+2066–U+2069). */
export function hasDirectionalFormatting(value: string): boolean {
  return DIRECTIONAL_FORMATTING.test(value);
}

/** `U+202E` */
export function codePointName(codeUnit: number): string {
  return `U+${codeUnit.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** A sentence saying why `label` is refused, for the person who sent it. */
export function describeTextProblem(label: string, problem: TextProblem, kind: TextKind): string {
  const at = `${codePointName(problem.codeUnit)} at position ${problem.index + 1}`;
  switch (problem.kind) {
    case 'surrogate':
      return `${label} must be well-formed Unicode text: it holds a lone UTF-16 surrogate (${at}); a character beyond U+FFFF is written as a pair of escapes, such as "\\ud83d\\ude80".`;
    case 'directional':
      return `${label} must not contain directional formatting characters (it holds ${at}): they make text display in another order than it is stored.`;
    default:
      return kind === 'multiLine'
        ? `${label} must not contain control characters other than tab, line feed and carriage return (it holds ${at}).`
        : `${label} must not contain control characters, tabs and line breaks included (it holds ${at}).`;
  }
}

/** Throws ScimError invalidValue naming `label` when `value` holds what a text of this kind may not. */
export function assertText(value: string, kind: TextKind, label: string): void {
  const problem = findTextProblem(value, kind);
  if (problem) throw ScimError.invalidValue(describeTextProblem(label, problem, kind));
}
