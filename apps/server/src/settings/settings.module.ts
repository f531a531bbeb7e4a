import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { UsersModule } from '../users/users.module';
import { SettingsController } from './settings.controller';
import { SettingsService } from './settings.service';

@Module({
  imports: [OrganizationsModule, UsersModule, ApiKeysModule],
  controllers: [SettingsController],
  providers: [SettingsService],
})
export class SettingsModule {}
