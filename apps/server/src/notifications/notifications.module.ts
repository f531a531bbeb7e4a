import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { CursorsModule } from '../cursors/cursors.module';
import { DeprovisioningModule } from '../deprovisioning/deprovisioning.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { UsersModule } from '../users/users.module';
import { ExpiryReminderCron } from './expiry-reminder.cron';
import { IncidentAlerts } from './incident-alerts';
import { KeyReminder } from './key-reminder.entity';
import { MailerService } from './mailer/mailer.service';
import { NotificationsController } from './notifications.controller';
import { RemindersRepository } from './reminders.repository';
import { RemindersService } from './reminders.service';

/** Key-expiry reminders and alerts (connection health, deprovisioning incidents): the outbox, the scheduled job, the mail transport, and their history. */
@Module({
  imports: [
    ScheduleModule.forRoot(),
    TypeOrmModule.forFeature([KeyReminder]),
    ApiKeysModule,
    UsersModule,
    OrganizationsModule,
    AuditModule,
    CursorsModule,
    DeprovisioningModule,
  ],
  controllers: [NotificationsController],
  providers: [RemindersService, RemindersRepository, MailerService, ExpiryReminderCron, IncidentAlerts],
  exports: [RemindersService, IncidentAlerts],
})
export class NotificationsModule {}
