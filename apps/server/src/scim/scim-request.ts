import { ScimError } from '@app/scim-protocol';
import type { FastifyReply } from 'fastify';

/*
 * What every SCIM resource endpoint (Users, Groups) does the same way with a request and a reply.
 */

type Json = Record<string, unknown>;

/** A SCIM resource with what goes in the headers. */
export interface ScimResponse {
  body: Json;
  etag: string;
  location: string;
}

/** Largest page of a list (`count` is capped to it); advertised in /ServiceProviderConfig. */
export const MAX_RESULTS = 200;

/** Sends a resource's ETag header and returns its body (for a controller's passthrough reply). */
export function withEtag(reply: FastifyReply, response: ScimResponse): Json {
  void reply.header('etag', response.etag);
  return response.body;
}

/** A SearchRequest body (RFC 7644 §3.4.3, POST /.search) as list query parameters, attribute lists as arrays. */
export function searchParams(body: unknown): Json {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw ScimError.invalidSyntax(
      'Send a SearchRequest object, e.g. {"filter": "userName eq \\"a@b.com\\"", "startIndex": 1, "count": 10}.',
    );
  }
  const params: Json = {};
  for (const [key, value] of Object.entries(body as Json)) {
    if (key.toLowerCase() === 'schemas') continue;
    params[key] = Array.isArray(value) ? value.join(',') : typeof value === 'number' ? String(value) : value;
  }
  return params;
}

/** The `attributes`/`excludedAttributes` query parameters of a single-resource GET. */
export function pickProjection(query: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(query)) {
    if (/^(excluded)?attributes$/i.test(key)) out[key] = value;
  }
  return out;
}

/**
 * If-Match: `*` or a list of entity tags; weak comparison (RFC 7232), since our
 * ETags are weak. A stale or malformed tag is a 412.
 */
export function versionCheck(ifMatch: string | undefined): ((version: number) => boolean) | undefined {
  if (ifMatch === undefined || ifMatch.trim() === '') return undefined;
  if (ifMatch.trim() === '*') return () => true;
  const versions = ifMatch.split(',').map((tag) => /^\s*(?:W\/)?"([^"]*)"\s*$/.exec(tag)?.[1]);
  if (versions.some((v) => v === undefined)) {
    throw new ScimError(412, 'If-Match must be "*" or entity tags such as W/"3", as sent in the ETag header.');
  }
  return (version) => versions.includes(String(version));
}
