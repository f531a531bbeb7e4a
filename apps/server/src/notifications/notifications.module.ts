import { Module } from '@nestjs/common';

/** Key-expiry reminders: the scheduled job, the mail outbox and transports. Filled in by the reminders issue. */
@Module({})
export class NotificationsModule {}
