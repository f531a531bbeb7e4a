import type { NotificationRecipientsView } from '@app/api-types';
import { ApiProperty } from '@nestjs/swagger';
import { IsArray } from 'class-validator';

export class NotificationRecipientsDto implements NotificationRecipientsView {
  @ApiProperty({
    type: [String],
    maxItems: 20,
    example: ['it-ops@example.com', 'security@example.com'],
    description:
      'Addresses that get key-expiry reminders, SCIM connection alerts and deprovisioning incident emails besides the active Admins: at most 20 distinct ones (duplicates are folded case-insensitively, the first spelling kept), each an email address of at most 254 characters. [] removes them all.',
  })
  @IsArray({ message: 'emails must be a list of email addresses ([] for none)' })
  emails: string[];
}
