import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { ApiKeyGuard } from './api-key.guard';
import { AuthService } from './auth.service';
import { KeyRateLimit } from './key-rate-limit';

/**
 * Who is calling: the global ApiKeyGuard (registered as APP_GUARD in app.module.ts, next to the
 * pipe and the filter), the route decorators (`@RequiresKey`, `@Public`, `@OrganizationId`), and
 * the key verification with its cache, and the per-key rate limit.
 */
@Module({
  imports: [ApiKeysModule],
  providers: [AuthService, ApiKeyGuard, KeyRateLimit],
  exports: [AuthService, ApiKeyGuard],
})
export class AuthModule {}
