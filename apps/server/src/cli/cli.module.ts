import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { DynamicModule, Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { CommonModule } from '../common/common.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { OnboardingModule } from '../onboarding/onboarding.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { SafetyNetModule } from '../safety-net/safety-net.module';
import { UsersModule } from '../users/users.module';

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
        OrganizationsModule,
        UsersModule,
        ApiKeysModule,
        NotificationsModule,
        SafetyNetModule,
      ],
    };
  }
}
