import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { DynamicModule, Module } from '@nestjs/common';
import { ApiKeysModule } from '../../server/src/api-keys/api-keys.module';
import { CommonModule } from '../../server/src/common/common.module';
import { NotificationsModule } from '../../server/src/notifications/notifications.module';
import { OnboardingModule } from '../../server/src/onboarding/onboarding.module';

/**
 * The operator CLI is a second entry point into the server's own modules (no
 * HTTP): the same services and rules, run once from a shell.
 */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(),
        CommonModule,
        OnboardingModule,
        ApiKeysModule,
        NotificationsModule,
      ],
    };
  }
}
