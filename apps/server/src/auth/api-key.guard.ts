import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeyType } from '../api-keys/api-key.entity';
import { AuthService, KeyRefusedError } from './auth.service';
import { AuthContext, AuthenticatedRequest, KEY_TYPE_METADATA } from './auth.decorators';

export const KEY_EXPIRES_HEADER = 'torii-key-expires-at';

/** Global guard (APP_GUARD): authenticates the bearer key and scopes the request to its organization. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
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
    let auth: AuthContext;
    try {
      auth = await this.auth.authenticate(request.headers.authorization, required);
    } catch (error) {
      if (error instanceof KeyRefusedError) request.refusedKey = error.identity;
      throw error;
    }
    request.auth = auth;
    // Lets clients see their key's expiry coming on every response.
    if (auth.expiresAt) void http.getResponse<FastifyReply>().header(KEY_EXPIRES_HEADER, auth.expiresAt.toISOString());
    return true;
  }
}
