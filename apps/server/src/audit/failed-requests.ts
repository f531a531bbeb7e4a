import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedRequest } from '../auth/auth.decorators';
import { Clock } from '../common/clock';
import { isScimPath, SCIM_BASE_PATH } from '../common/http-error';
import type { RefusedRequest } from '../common/http-exception.filter';
import { AuditService } from './audit.service';

/** A refused key's 429s are recorded at most once per this many milliseconds (a flood is one event a minute). */
const RATE_LIMITED_EVERY_MS = 60_000;

/**
 * Records every failed SCIM request of an identified organization in its audit log, after the
 * response went out (Fastify's onResponse: no latency for the client). Failed means 4xx (but a
 * GET's 404, which is how a client asks "does it exist?") or 5xx. The record says what the
 * client was told (status, scimType, the sentence) and which route, never the query string.
 */
@Injectable()
export class FailedRequestRecorder {
  private readonly lastRateLimited = new Map<number, number>();

  constructor(
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  onResponse(request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    if (status < 400 || (status === 404 && request.method === 'GET') || !isScimPath(request.url)) return;
    const { auth, refusedKey } = request as FastifyRequest & AuthenticatedRequest;
    const key = auth ?? refusedKey;
    if (!key) return; // No organization to tell (no key, or an unknown one).
    if (status === 429 && !this.firstRateLimitedThisMinute(key.keyId)) return;
    const refusal = (request as FastifyRequest & RefusedRequest).refusal;
    const { resource, resourceId } = routeOf(request.url);
    void this.audit.recordFailure(
      {
        organizationId: key.organizationId,
        status,
        scimType: refusal?.scimType,
        detail: refusal?.detail ?? `The request failed with status ${status}.`,
        method: request.method,
        resource,
        resourceId,
      },
      request.id,
      {
        type: key.type === 'scim' ? 'scim-key' : 'api-key',
        keyId: key.keyId,
        maskedKey: key.maskedKey,
        description: key.description,
      },
    );
  }

  private firstRateLimitedThisMinute(keyId: number): boolean {
    const now = this.clock.now().getTime();
    const last = this.lastRateLimited.get(keyId);
    if (last !== undefined && now - last < RATE_LIMITED_EVERY_MS) return false;
    this.lastRateLimited.set(keyId, now);
    if (this.lastRateLimited.size > 10_000) this.lastRateLimited.clear();
    return true;
  }
}

/** `/v1.0/scim/v2/Users/42?x=y` → `Users`, `42`; a path that names no resource type → its first segment. */
function routeOf(url: string): { resource: string; resourceId?: string } {
  const path = url.split('?')[0].slice(SCIM_BASE_PATH.length).replace(/^\/+/, '');
  const [resource = '', id] = path.split('/');
  const clean = (text: string) => decodeURIComponentSafe(text).slice(0, 64);
  return { resource: clean(resource) || '(base)', ...(id ? { resourceId: clean(id) } : {}) };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
