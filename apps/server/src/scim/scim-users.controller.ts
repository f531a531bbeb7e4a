import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuditScope } from '../audit/audit-context';
import { Acting, OrganizationId, RequiresKey } from '../auth/auth.decorators';
import { ScimMediaTypeGuard } from './scim-media-type.guard';
import { LIST_ERRORS } from './scim-paging';
import { withEtag } from './scim-request';
import { ScimUsersService } from './scim-users.service';

type Json = Record<string, unknown>;

/**
 * SCIM 2.0 Users (RFC 7644), as Okta and Entra call it. Bodies are passed on
 * raw (not through the admin API's ValidationPipe): the protocol library
 * validates them and answers with SCIM errors.
 */
@ApiTags('SCIM 2.0: Users')
@ApiBearerAuth('scimKey')
@RequiresKey('scim')
@UseGuards(ScimMediaTypeGuard)
@Controller('v1.0/scim/v2/Users')
export class ScimUsersController {
  constructor(private readonly scim: ScimUsersService) {}

  @Get()
  @ApiOperation({
    summary:
      'List or filter users: filter, startIndex or cursor (RFC 9865), count (≤ 200), sortBy, sortOrder, attributes, excludedAttributes.',
  })
  @ApiResponse({ status: 400, description: LIST_ERRORS })
  list(@OrganizationId() organizationId: number, @Query() query: Json): Promise<Json> {
    return this.scim.list(organizationId, query);
  }

  @Post('.search')
  @HttpCode(200)
  @ApiOperation({ summary: 'The same query as GET /Users, in a SearchRequest body.' })
  @ApiResponse({ status: 400, description: LIST_ERRORS })
  search(@OrganizationId() organizationId: number, @Body() body: unknown): Promise<Json> {
    return this.scim.search(organizationId, body);
  }

  @Post()
  @ApiOperation({ summary: 'Create a user; a deactivated user with the same userName is reactivated (201, same id).' })
  async create(
    @OrganizationId() organizationId: number,
    @Acting() scope: AuditScope,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Json> {
    const { response } = await this.scim.create(organizationId, body, scope);
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
  @ApiOperation({
    summary: 'Replace the mutable attributes; userName cannot change; id, meta, groups and unknown attributes are ignored.',
  })
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
  @ApiOperation({ summary: 'add / replace / remove operations, with the Okta and Entra forms; answers 200 with the user.' })
  async patch(
    @OrganizationId() organizationId: number,
    @Acting() scope: AuditScope,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Json> {
    return withEtag(reply, await this.scim.patch(organizationId, id, body, scope, ifMatch));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete (soft): 204, then 404 to SCIM; the record is kept.' })
  delete(
    @OrganizationId() organizationId: number,
    @Acting() scope: AuditScope,
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
  ): Promise<void> {
    return this.scim.delete(organizationId, id, scope, ifMatch);
  }
}
