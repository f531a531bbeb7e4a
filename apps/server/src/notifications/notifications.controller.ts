import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OrganizationId } from '../auth/auth.decorators';
import { PageQueryDto } from '../common/dto/page-query.dto';
import { NotificationPageResponse } from './dto/notifications.dto';
import { RemindersService } from './reminders.service';

@ApiTags('Settings: Notifications')
@ApiBearerAuth('apiKey')
@Controller('v1.0/settings/notifications')
export class NotificationsController {
  constructor(private readonly reminders: RemindersService) {}

  @Get()
  @ApiOperation({ summary: 'Key-expiry reminders, newest first: recipients, status, attempts, last error, sent time.' })
  @ApiOkResponse({ type: NotificationPageResponse })
  list(@OrganizationId() organizationId: number, @Query() query: PageQueryDto): Promise<NotificationPageResponse> {
    return this.reminders.list(organizationId, query);
  }
}
