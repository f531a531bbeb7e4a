import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuditScope } from '../audit/audit-context';
import { Acting, OrganizationId, RequiresKey } from '../auth/auth.decorators';
import { ScimGroupsService } from './scim-groups.service';
import { ScimMediaTypeGuard } from './scim-media-type.guard';
import { LIST_ERRORS } from './scim-paging';
import { withEtag } from './scim-request';

type Json = Record<string, unknown>;

/** SCIM 2.0 Groups (RFC 7643 §4.2), as Okta's Group Push and Entra's group provisioning call it. */
@ApiTags('SCIM 2.0: Groups')
@ApiBearerAuth('scimKey')
@RequiresKey('scim')
@UseGuards(ScimMediaTypeGuard)
@Controller('v1.0/scim/v2/Groups')
export class ScimGroupsController {
  constructor(private readonly scim: ScimGroupsService) {}

  @Get()
  @ApiOperation({
    summary:
      'List or filter groups (displayName, externalId, id, members.value): filter, startIndex or cursor (RFC 9865), count (≤ 200), sortBy, sortOrder, attributes, excludedAttributes (excludedAttributes=members reads no member).',
  })
  @ApiResponse({ status: 400, description: LIST_ERRORS })
  list(@OrganizationId() organizationId: number, @Query() query: Json): Promise<Json> {
    return this.scim.list(organizationId, query);
  }

  @Post('.search')
  @HttpCode(200)
  @ApiOperation({ summary: 'The same query as GET /Groups, in a SearchRequest body.' })
  @ApiResponse({ status: 400, description: LIST_ERRORS })
  search(@OrganizationId() organizationId: number, @Body() body: unknown): Promise<Json> {
    return this.scim.search(organizationId, body);
  }

  @Post()
  @ApiOperation({ summary: 'Create a group (displayName unique per organization, case-insensitively) with its members.' })
  async create(
    @OrganizationId() organizationId: number,
    @Acting() scope: AuditScope,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Json> {
    const response = await this.scim.create(organizationId, body, scope);
    return withEtag(reply.status(201).header('location', response.location), response);
  }

  @Get(':id')
  async get(
    @OrganizationId() organizationId: number,
    @Param('id') id: string,
    @Query() query: Json,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Json> {
    return withEtag(reply, await this.scim.get(organizationId, id, query));
  }

  @Put(':id')
  @ApiOperation({ summary: 'Replace displayName, externalId and the whole member list.' })
  async replace(
    @OrganizationId() organizationId: number,
    @Acting() scope: AuditScope,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Json> {
    return withEtag(reply, await this.scim.replace(organizationId, id, body, scope, ifMatch));
  }

  @Patch(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: "Add, remove or replace members (Okta's and Entra's forms), replace displayName or externalId; answers 204.",
  })
  patch(
    @OrganizationId() organizationId: number,
    @Acting() scope: AuditScope,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    return this.scim.patch(organizationId, id, body, scope, ifMatch);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete the group and its memberships; the users stay.' })
  delete(
    @OrganizationId() organizationId: number,
    @Acting() scope: AuditScope,
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    return this.scim.delete(organizationId, id, scope, ifMatch);
  }
}
