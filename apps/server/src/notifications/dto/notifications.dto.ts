import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { MailDelivery, ReminderPage, ReminderStatus, ReminderView, UpcomingReminderView } from '@app/api-types';

export class NotificationResponse implements ReminderView {
  @ApiProperty() id: string;
  @ApiProperty({
    enum: ['expiry', 'scim-health', 'deprovisioning'],
    description:
      "expiry: a key-expiry reminder; scim-health: a SCIM connection alert; deprovisioning: a deprovisioning incident's alert.",
  })
  kind: 'expiry' | 'scim-health' | 'deprovisioning';
  @ApiPropertyOptional({ description: 'For a SCIM connection alert: the status it announced and its sentence.' })
  health?: { status: string; summary: string };
  @ApiPropertyOptional({ description: 'For a deprovisioning alert: the incident and its users at the time.' })
  incident?: { id: string; count: number };
  @ApiProperty() apiKeyId: string;
  @ApiProperty({ enum: ['api', 'scim'] }) keyType: 'api' | 'scim';
  @ApiProperty({ nullable: true, type: String }) keyDescription: string | null;
  @ApiProperty() maskedKey: string;
  @ApiProperty({ example: '1M', description: 'The lead time this reminder is for (REMINDER_LEAD_TIMES).' }) leadTime: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({
    enum: ['pending', 'sent', 'failed', 'cancelled', 'superseded'],
    description:
      'pending: waiting or retrying; sent; failed: gave up after REMINDER_MAX_ATTEMPTS; cancelled: the key was deleted or expired first; superseded: folded into a later reminder.',
  })
  status: ReminderStatus;
  @ApiProperty() attempts: number;
  @ApiProperty({ nullable: true, type: String }) lastError: string | null;
  @ApiProperty({ type: [String] }) recipients: string[];
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) sentAt: string | null;
  @ApiProperty({
    enum: ['smtp', 'outbox'],
    nullable: true,
    description:
      'For a sent message, how it left: smtp, accepted by the SMTP server of SMTP_URL; outbox, only written as an .eml file to MAIL_OUTBOX_DIR because no SMTP_URL is set (nobody received it). null until sent, and for messages sent before this was recorded.',
  })
  delivery: MailDelivery | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) nextAttemptAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class UpcomingReminderResponse implements UpcomingReminderView {
  @ApiProperty() apiKeyId: string;
  @ApiProperty({ enum: ['api', 'scim'] }) keyType: 'api' | 'scim';
  @ApiProperty({ nullable: true, type: String }) keyDescription: string | null;
  @ApiProperty() maskedKey: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({ example: '1M' }) leadTime: string;
  @ApiProperty({ format: 'date-time', description: 'When its window opens; the job sends it on its first run from then on.' })
  remindAt: string;
}

export class NotificationPageResponse implements ReminderPage {
  @ApiProperty({ type: [NotificationResponse] }) notifications: NotificationResponse[];
  @ApiProperty() count: number;
  @ApiProperty() total: number;
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
  @ApiProperty({ type: [UpcomingReminderResponse], description: 'Reminders to come, soonest first (first page only).' })
  upcoming: UpcomingReminderResponse[];
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'When the reminder job runs next in this process (REMINDER_CRON); null where SCHEDULER_ENABLED=false.',
  })
  nextRunAt: string | null;
  @ApiProperty({
    enum: ['smtp', 'outbox'],
    description:
      'How this server delivers mail now: smtp (SMTP_URL is set), or outbox (no SMTP_URL: messages are only written as .eml files to MAIL_OUTBOX_DIR; set SMTP_URL to send them).',
  })
  mailDelivery: MailDelivery;
}
