import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { ApiKeyGuard } from './auth/api-key.guard';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CommonModule } from './common/common.module';
import { GroupsModule } from './groups/groups.module';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { createValidationPipe } from './common/validation.pipe';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { NotificationsModule } from './notifications/notifications.module';
import { FirstRunService } from './onboarding/first-run.service';
import { OnboardingModule } from './onboarding/onboarding.module';
import { SafetyNetModule } from './safety-net/safety-net.module';
import { ScimHealthModule } from './scim-health/scim-health.module';
import { ScimRequestsModule } from './scim-requests/scim-requests.module';
import { ScimModule } from './scim/scim.module';
import { SettingsModule } from './settings/settings.module';
import { UsersModule } from './users/users.module';

/**
 * The HTTP server: admin/settings API (/v1.0), SCIM 2.0 (/v1.0/scim/v2),
 * health, docs, and the scheduler. `config` lets tests pass their own.
 *
 * The global request pipeline is registered here, in the order a request meets it: the key guard
 * (every route needs a Torii API key unless it says `@RequiresKey('scim')` or `@Public()`), the
 * validation pipe (admin API bodies and queries), and the error filter (the admin JSON error, or a
 * SCIM Error under /v1.0/scim/v2). As providers of the module graph, tests get the same pipeline.
 */
@Module({})
export class AppModule {
  static forRoot(config?: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(),
        CommonModule,
        AuditModule,
        AuthModule,
        HealthModule,
        ApiKeysModule,
        UsersModule,
        GroupsModule,
        SettingsModule,
        OnboardingModule,
        ScimModule,
        ScimHealthModule,
        ScimRequestsModule,
        NotificationsModule,
        SafetyNetModule,
        MetricsModule,
      ],
      providers: [
        { provide: APP_GUARD, useExisting: ApiKeyGuard },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        FirstRunService,
      ],
    };
  }
}
