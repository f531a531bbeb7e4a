import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeyType } from '../api-keys/api-key.entity';
import { AuthService, KeyExpiredError, KeyRefusedError } from './auth.service';
import { AuthContext, AuthenticatedRequest, KEY_TYPE_METADATA } from './auth.decorators';
import { KeyRateLimit } from './key-rate-limit';

export const KEY_EXPIRES_HEADER = 'torii-key-expires-at';

/**
 * Global guard (APP_GUARD): authenticates the bearer key, scopes the request to its organization,
 * and counts it against the key's rate limit: every SCIM request, and every request of a
 * recognised key that is refused (wrong key type, SCIM off), on either API. A key that is not
 * recognised (401) has nothing to count against; an expired one is not counted either, so that its
 * 401 keeps saying what to do.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly rateLimit: KeyRateLimit,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const required =
      this.reflector.getAllAndOverride<ApiKeyType | 'none' | undefined>(KEY_TYPE_METADATA, [
        context.getHandler(),
        context.getClass(),
      ]) ?? 'api';
    if (required === 'none') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & AuthenticatedRequest>();
    const reply = http.getResponse<FastifyReply>();
    let auth: AuthContext;
    try {
      auth = await this.auth.authenticate(request.headers.authorization, required);
    } catch (error) {
      if (error instanceof KeyRefusedError) {
        request.refusedKey = error.identity;
        // Throws the 429 instead once the key has used up its requests.
        await this.rateLimit.consume(error.identity.keyId, reply, error);
      } else if (error instanceof KeyExpiredError) {
        request.expiredKey = error.identity;
      }
      throw error;
    }
    request.auth = auth;
    // Lets clients see their key's expiry coming on every response.
    if (auth.expiresAt) void reply.header(KEY_EXPIRES_HEADER, auth.expiresAt.toISOString());
    if (required === 'scim') await this.rateLimit.consume(auth.keyId, reply);
    return true;
  }
}
