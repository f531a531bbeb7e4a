import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { DynamicModule, Module } from '@nestjs/common';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { CommonModule } from './common/common.module';
import { HealthModule } from './health/health.module';
import { NotificationsModule } from './notifications/notifications.module';
import { FirstRunService } from './onboarding/first-run.service';
import { OnboardingModule } from './onboarding/onboarding.module';
import { ScimModule } from './scim/scim.module';
import { SettingsModule } from './settings/settings.module';
import { UsersModule } from './users/users.module';

/**
 * The HTTP server: admin/settings API (/v1.0), SCIM 2.0 (/v1.0/scim/v2),
 * health, docs, and the scheduler. `config` lets tests pass their own.
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
        HealthModule,
        ApiKeysModule,
        UsersModule,
        SettingsModule,
        OnboardingModule,
        ScimModule,
        NotificationsModule,
      ],
      providers: [FirstRunService],
    };
  }
}
