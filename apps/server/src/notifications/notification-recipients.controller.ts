import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuditScope } from '../audit/audit-context';
import { Acting, OrganizationId } from '../auth/auth.decorators';
import { NotificationRecipientsDto } from './dto/notification-recipients.dto';
import { NotificationRecipientsService } from './notification-recipients.service';

@ApiTags('Settings: Notifications')
@ApiBearerAuth('apiKey')
@Controller('v1.0/settings/notification-recipients')
export class NotificationRecipientsController {
  constructor(private readonly recipients: NotificationRecipientsService) {}

  @Get()
  @ApiOperation({
    summary: 'Who gets reminders, connection alerts and incident emails besides the active Admins.',
  })
  @ApiOkResponse({ type: NotificationRecipientsDto })
  get(@OrganizationId() organizationId: number): Promise<NotificationRecipientsDto> {
    return this.recipients.get(organizationId);
  }

  @Put()
  @ApiOperation({
    summary:
      'Replace the list (at most 20 distinct addresses). Every reminder, connection alert and incident email goes to the active Admins and to these, each address once.',
  })
  @ApiOkResponse({ type: NotificationRecipientsDto })
  set(
    @OrganizationId() organizationId: number,
    @Acting() scope: AuditScope,
    @Body() body: NotificationRecipientsDto,
  ): Promise<NotificationRecipientsDto> {
    return this.recipients.set(organizationId, body.emails, scope);
  }
}
