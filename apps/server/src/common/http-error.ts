import { HttpException, HttpStatus, NotFoundException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { AppError, FieldError, ScimErrorType } from './app-error';
import { BODY_LONE_SURROGATE, BODY_NOT_UTF8, JSON_TOO_DEEP } from './json-body';

export const SCIM_BASE_PATH = '/v1.0/scim/v2';
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';
export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** An error as it leaves the server: status, body, and the headers that go with it. */
export interface RenderedError {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  /** True when the error is ours to fix (logged with its stack, never shown). */
  internal: boolean;
}

export function isScimPath(url: string): boolean {
  // Every hook of every request asks: the usual spelling without building a string.
  return url.startsWith(SCIM_BASE_PATH) || url.slice(0, SCIM_BASE_PATH.length).toLowerCase() === SCIM_BASE_PATH;
}

interface ErrorLike {
  statusCode?: number;
  /** The body's field an error of the body parser is about (a lone surrogate's). */
  field?: string;
  status?: number;
  code?: string;
  message?: string;
  scimType?: string;
  detail?: string;
}

/**
 * Turns anything thrown while serving a request into the client-facing error:
 * the SCIM Error body under the SCIM base path, the admin API's JSON error
 * elsewhere. Unexpected errors become a 500 that leaks nothing.
 */
export function renderError(error: unknown, url: string, method = 'GET'): RenderedError {
  const unrouted = noRoute(error, url, method);
  const { status, message, scimType, details, internal } = unrouted ?? classify(error);
  const headers: Record<string, string> = { ...(error instanceof AppError ? error.headers : undefined) };
  if (unrouted?.allow) headers.allow = unrouted.allow;
  const scim = isScimPath(url);
  if (status === 401) headers['www-authenticate'] = scim ? 'Bearer realm="Torii SCIM"' : 'Bearer realm="Torii API"';
  if (scim) {
    headers['content-type'] = SCIM_CONTENT_TYPE;
    const body: Record<string, unknown> = { schemas: [SCIM_ERROR_SCHEMA], status: String(status) };
    if (scimType) body.scimType = scimType;
    body.detail = message;
    return { status, headers, body, internal };
  }
  headers['content-type'] = 'application/json; charset=utf-8';
  const body: Record<string, unknown> = { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message };
  if (details?.length) body.details = details;
  return { status, headers, body, internal };
}

function classify(error: unknown): {
  status: number;
  message: string;
  scimType?: ScimErrorType;
  details?: FieldError[];
  internal: boolean;
} {
  if (error instanceof AppError) {
    return {
      status: error.getStatus(),
      message: error.message,
      scimType: error.scimType,
      details: error.details,
      internal: false,
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const message = httpExceptionMessage(error);
    // Fastify's body-parsing errors reach us re-thrown by Nest as plain HttpExceptions.
    if (status === 413) return { status, message: BODY_TOO_LARGE, internal: false };
    if (status === 415) return { status, message: UNSUPPORTED_MEDIA_TYPE, internal: false };
    if (status === 400 && /\bJSON\b|body cannot be empty/i.test(message)) {
      return {
        status,
        message: `${INVALID_JSON} ${stripFastifyPrefix(message)}`.trim(),
        scimType: 'invalidSyntax',
        internal: false,
      };
    }
    return { status, message, scimType: status === 400 ? 'invalidValue' : undefined, internal: status >= 500 };
  }
  const e = (error ?? {}) as ErrorLike;
  // The SCIM protocol library's errors (ScimError) carry status, scimType and detail.
  if (typeof e.status === 'number' && typeof e.detail === 'string' && e.status >= 400 && e.status < 500) {
    return { status: e.status, message: e.detail, scimType: e.scimType as ScimErrorType | undefined, internal: false };
  }
  // Errors raised by Fastify before a route runs (body parsing, size limits, media types).
  switch (e.code) {
    case JSON_TOO_DEEP:
    case BODY_NOT_UTF8:
      return { status: 400, message: e.message ?? '', scimType: 'invalidSyntax', internal: false };
    case BODY_LONE_SURROGATE: {
      const message = e.message ?? '';
      return { status: 400, message, scimType: 'invalidValue', details: [{ field: e.field ?? '', message }], internal: false };
    }
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, message: INVALID_JSON, scimType: 'invalidSyntax', internal: false };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, message: BODY_TOO_LARGE, internal: false };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, message: UNSUPPORTED_MEDIA_TYPE, internal: false };
    // A path segment that is not valid percent-encoding, or longer than any id: nothing is there
    // (docs/api.md: an id that is not one of ours is a 404, never a 400).
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { status: 404, message: 'Nothing is at this URL: check the path and the id in it.', internal: false };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return {
        status: 400,
        message: 'The Content-Length header does not match the body.',
        scimType: 'invalidSyntax',
        internal: false,
      };
  }
  if (error instanceof SyntaxError && /JSON/.test(error.message)) {
    return { status: 400, message: INVALID_JSON, scimType: 'invalidSyntax', internal: false };
  }
  const status = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
  if (status < 500) {
    return { status, message: e.message ?? STATUS_CODES[status] ?? 'Bad request', internal: false };
  }
  return {
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    message: 'Something went wrong on our side. Try again; if it keeps failing, contact support with the request id.',
    internal: true,
  };
}

const INVALID_JSON = 'The request body is not valid JSON; check quotes, commas and brackets.';
const BODY_TOO_LARGE = 'The request body is larger than the 1 MiB this server accepts; send less data per request.';
export const UNSUPPORTED_MEDIA_TYPE = 'Send the request body as application/json or application/scim+json.';

/** The SCIM endpoints under the base path and the methods each takes (what discovery advertises). */
const SCIM_ROUTES: ReadonlyArray<{ pattern: RegExp; methods: string }> = [
  // The base and its /.search answer 501 (search across resource types is not implemented), but they are routes.
  { pattern: /^$/, methods: 'GET' },
  { pattern: /^\/\.search$/, methods: 'POST' },
  { pattern: /^\/serviceproviderconfig$/, methods: 'GET' },
  { pattern: /^\/(resourcetypes|schemas)(\/[^/]+)?$/, methods: 'GET' },
  { pattern: /^\/(users|groups)$/, methods: 'GET, POST' },
  { pattern: /^\/(users|groups)\/\.search$/, methods: 'POST' },
  { pattern: /^\/(users|groups)\/[^/]+$/, methods: 'GET, PUT, PATCH, DELETE' },
];

/**
 * A request no route took (the framework's "Cannot GET /path?query", which would echo the query
 * string): under the SCIM base, 405 with `Allow` when the path is an endpoint that takes other
 * methods, else 404; elsewhere 404. Each with a sentence that names the path, never the query.
 */
function noRoute(
  error: unknown,
  url: string,
  method: string,
): { status: number; message: string; allow?: string; scimType?: undefined; details?: undefined; internal: false } | undefined {
  if (!(error instanceof NotFoundException) || !/^Cannot [A-Z]+ /.test(httpExceptionMessage(error))) return undefined;
  const path = url.split('?')[0];
  if (!isScimPath(url)) {
    return { status: 404, message: `There is no ${method} ${path} in this API; see /docs for its endpoints.`, internal: false };
  }
  const local = path.slice(SCIM_BASE_PATH.length).replace(/\/+$/, '').toLowerCase();
  const route = SCIM_ROUTES.find((r) => r.pattern.test(local));
  if (route) {
    return {
      status: 405,
      message: `${method} is not allowed on ${path}; it takes ${route.methods}.`,
      allow: route.methods,
      internal: false,
    };
  }
  return {
    status: 404,
    message: `There is no ${path} in this SCIM API; its endpoints are /Users, /Groups, /ServiceProviderConfig, /ResourceTypes and /Schemas.`,
    internal: false,
  };
}

function httpExceptionMessage(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string') return message;
  return error.message;
}

/** Keeps the parser's hint (e.g. "Unexpected token } in JSON at position 12"), drops Fastify's preamble. */
function stripFastifyPrefix(message: string): string {
  if (/^Body is not valid JSON but content-type is set to/i.test(message)) return '';
  if (/body cannot be empty/i.test(message)) return 'The body is empty.';
  return `(${message.replace(/\.$/, '')}.)`;
}
