import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeysService } from './api-keys.service';
import type { AuditScope } from '../audit/audit-context';
import { Acting, OrganizationId } from '../auth/auth.decorators';
import {
  ApiKeyListResponse,
  ApiKeyResponse,
  CreateApiKeyDto,
  CreatedApiKeyResponse,
  RotateApiKeyDto,
  UpdateApiKeyDto,
} from './dto/api-key.dto';

@ApiTags('Settings: API Access')
@ApiBearerAuth('apiKey')
@Controller('v1.0/settings/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Get()
  @ApiOperation({ summary: "List the organization's keys (never the secret)." })
  @ApiResponse({ status: 200, type: ApiKeyListResponse })
  async list(@OrganizationId() organizationId: number): Promise<ApiKeyListResponse> {
    return { apiKeys: await this.keys.list(organizationId), policy: this.keys.policy() };
  }

  @Post()
  @ApiOperation({ summary: 'Generate a key. The response is the only time the full key is shown.' })
  @ApiResponse({ status: 201, type: CreatedApiKeyResponse })
  @ApiResponse({ status: 409, description: 'A SCIM key while SCIM is turned off.' })
  create(
    @OrganizationId() organizationId: number,
    @Acting() scope: AuditScope,
    @Body() body: CreateApiKeyDto,
  ): Promise<CreatedApiKeyResponse> {
    return this.keys.create(organizationId, body, scope);
  }

  @Post(':id/rotate')
  @ApiOperation({
    summary:
      "Rotate: generate the key's successor (same type and description), shown once. The old key works until deleted; the list shows the new key's first use and the old key's last use.",
  })
  @ApiResponse({ status: 201, type: CreatedApiKeyResponse })
  @ApiResponse({ status: 404, description: 'No live key with this id in the organization (a deleted key cannot be rotated).' })
  @ApiResponse({
    status: 409,
    description:
      'The key already has a live successor (not deleted, not expired), named in the message: use it, or delete it first. Of rotations of one key sent at once, one succeeds. Also: a SCIM key while SCIM is turned off.',
  })
  rotate(
    @OrganizationId() organizationId: number,
    @Param('id') id: string,
    @Body() body: RotateApiKeyDto,
    @Acting() scope: AuditScope,
  ): Promise<CreatedApiKeyResponse> {
    return this.keys.rotate(organizationId, id, body, scope);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One key (never the secret).' })
  @ApiResponse({ status: 200, type: ApiKeyResponse })
  get(@OrganizationId() organizationId: number, @Param('id') id: string): Promise<ApiKeyResponse> {
    return this.keys.get(organizationId, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Edit the description. The expiration cannot be changed: rotate the key instead.' })
  @ApiResponse({ status: 200, type: ApiKeyResponse })
  update(
    @OrganizationId() organizationId: number,
    @Param('id') id: string,
    @Body() body: UpdateApiKeyDto,
    @Acting() scope: AuditScope,
  ): Promise<ApiKeyResponse> {
    return this.keys.update(organizationId, id, body, scope);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a key. Systems using it are refused from the moment this returns.' })
  async remove(@OrganizationId() organizationId: number, @Param('id') id: string, @Acting() scope: AuditScope): Promise<void> {
    await this.keys.delete(organizationId, id, scope);
  }
}
