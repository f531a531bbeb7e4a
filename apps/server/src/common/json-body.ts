/** Bodies nested deeper than this are refused before they are parsed (both APIs). */
export const MAX_JSON_DEPTH = 64;

export const JSON_TOO_DEEP = 'TORII_JSON_TOO_DEEP';
export const BODY_NOT_UTF8 = 'TORII_BODY_NOT_UTF8';

/**
 * Whether a JSON text nests arrays and objects deeper than `limit`, counted in one pass over the
 * text without parsing it (brackets inside strings do not count). Deep input would otherwise reach
 * recursive code (class-transformer, validators, the SCIM parser) and overflow the stack.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
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

/** Whether a request carries a body (a length above zero, or a chunked one). */
export function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  const length = headers['content-length'];
  return (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined;
}
