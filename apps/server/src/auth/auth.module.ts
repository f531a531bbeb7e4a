import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { ApiKeyGuard } from './api-key.guard';
import { AuthService } from './auth.service';

/**
 * Who is calling: the global ApiKeyGuard (registered as APP_GUARD in app.module.ts, next to the
 * pipe and the filter), the route decorators (`@RequiresKey`, `@Public`, `@OrganizationId`), and
 * the key verification with its cache.
 */
@Module({
  imports: [ApiKeysModule],
  providers: [AuthService, ApiKeyGuard],
  exports: [AuthService, ApiKeyGuard],
})
export class AuthModule {}
