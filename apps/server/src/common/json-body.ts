import { describeTextProblem, findLoneSurrogate, TextProblem } from '@app/scim-protocol';

/** Bodies nested deeper than this are refused before they are parsed (both APIs). */
export const MAX_JSON_DEPTH = 64;

export const JSON_TOO_DEEP = 'TORII_JSON_TOO_DEEP';
export const BODY_NOT_UTF8 = 'TORII_BODY_NOT_UTF8';
export const BODY_LONE_SURROGATE = 'TORII_BODY_LONE_SURROGATE';

export interface JsonScan {
  /** Arrays and objects nest deeper than the limit. */
  tooDeep: boolean;
  /** A string holds a \u escape of a surrogate (\uD800–\uDFFF): only then can a parsed string hold a lone one. */
  surrogateEscapes: boolean;
}

/**
 * One pass over a JSON text, without parsing it (brackets inside strings do not count): whether it
 * nests arrays and objects deeper than `limit` (deep input would otherwise reach recursive code,
 * class-transformer, validators, the SCIM parser, and overflow the stack), and whether a string
 * escapes a surrogate. Text that is valid UTF-8 holds no surrogate itself, so a body without such
 * an escape needs no look at its parsed strings.
 */
export function scanJson(text: string, limit: number): JsonScan {
  let depth = 0;
  let inString = false;
  let surrogateEscapes = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) {
        // \u followed by d or D and one of 8-9, a-f, A-F.
        if (!surrogateEscapes && text.charCodeAt(i + 1) === 0x75 && (text.charCodeAt(i + 2) | 0x20) === 0x64) {
          const third = text.charCodeAt(i + 3) | 0x20;
          surrogateEscapes = third === 0x38 || third === 0x39 || (third >= 0x61 && third <= 0x66);
        }
        i++; // skip the escaped character
      } else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return { tooDeep: true, surrogateEscapes };
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return { tooDeep: false, surrogateEscapes };
}

/**
 * The first string of a parsed body that holds a lone UTF-16 surrogate, named by its path
 * (`name.givenName`, `emails[0].value`, `Operations[0].value`), with the surrogate; undefined
 * when there is none. Member names count too. The body is at most MAX_JSON_DEPTH deep (refused
 * before parsing otherwise), so the recursion is bounded.
 */
export function loneSurrogateIn(value: unknown, path = ''): { field: string; problem: TextProblem } | undefined {
  if (typeof value === 'string') {
    const problem = findLoneSurrogate(value);
    return problem ? { field: path || 'the body', problem } : undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = loneSurrogateIn(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, element] of Object.entries(value)) {
      const problem = findLoneSurrogate(key);
      if (problem) return { field: path ? `a member name in ${path}` : 'a member name', problem };
      const found = loneSurrogateIn(element, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return undefined;
}

/** The error a too-deep body raises in the body parser (rendered as a 400 by renderError). */
export function jsonTooDeep(): Error {
  return Object.assign(new Error(`The request body nests JSON deeper than ${MAX_JSON_DEPTH} levels; send a flatter body.`), {
    code: JSON_TOO_DEEP,
    statusCode: 400,
  });
}

/** The error a body that is not UTF-8 raises in the body parser (rendered as a 400 by renderError). */
export function notUtf8(): Error {
  return Object.assign(new Error('The request body is not valid UTF-8; send JSON text encoded as UTF-8.'), {
    code: BODY_NOT_UTF8,
    statusCode: 400,
  });
}

/**
 * The error a body with a lone surrogate raises in the body parser (rendered as a 400 by renderError,
 * invalidValue under SCIM, with `field` in the admin API's details): refused rather than stored as
 * U+FFFD (what UTF-8 drivers write for it) while the answer would echo the original.
 */
export function loneSurrogate(field: string, problem: TextProblem): Error {
  return Object.assign(new Error(describeTextProblem(field, problem, 'line')), {
    code: BODY_LONE_SURROGATE,
    statusCode: 400,
    field,
  });
}

/** Whether a request carries a body (a length above zero, or a chunked one). */
export function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  const length = headers['content-length'];
  return (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined;
}
