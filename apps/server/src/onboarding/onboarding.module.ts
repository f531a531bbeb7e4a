import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { UsersModule } from '../users/users.module';
import { OnboardingService } from './onboarding.service';
import { SystemFlag } from './system-flag.entity';
import { SystemFlagsRepository } from './system-flags.repository';

@Module({
  imports: [TypeOrmModule.forFeature([SystemFlag]), OrganizationsModule, UsersModule, ApiKeysModule],
  providers: [OnboardingService, SystemFlagsRepository],
  exports: [OnboardingService],
})
export class OnboardingModule {}
