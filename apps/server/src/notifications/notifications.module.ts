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
import { NotificationRecipient } from './notification-recipient.entity';
import { NotificationRecipientsController } from './notification-recipients.controller';
import { NotificationRecipientsRepository } from './notification-recipients.repository';
import { NotificationRecipientsService } from './notification-recipients.service';
import { NotificationsController } from './notifications.controller';
import { RemindersRepository } from './reminders.repository';
import { RemindersService } from './reminders.service';

/**
 * Key-expiry reminders and alerts (connection health, deprovisioning incidents): the outbox, the scheduled
 * job, the mail transport, their history, and who they go to besides the Admins (notification recipients).
 */
@Module({
  imports: [
    ScheduleModule.forRoot(),
    TypeOrmModule.forFeature([KeyReminder, NotificationRecipient]),
    ApiKeysModule,
    UsersModule,
    OrganizationsModule,
    AuditModule,
    CursorsModule,
    DeprovisioningModule,
  ],
  controllers: [NotificationsController, NotificationRecipientsController],
  providers: [
    RemindersService,
    RemindersRepository,
    NotificationRecipientsService,
    NotificationRecipientsRepository,
    MailerService,
    ExpiryReminderCron,
    IncidentAlerts,
  ],
  exports: [RemindersService, IncidentAlerts, NotificationRecipientsService],
})
export class NotificationsModule {}
