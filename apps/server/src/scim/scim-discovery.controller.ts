import {
  resourceTypeDocument,
  resourceTypes,
  schemaDocument,
  schemasListResponse,
  serviceProviderConfig,
} from '@app/scim-protocol';
import { Controller, Get, HttpStatus, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequiresKey } from '../auth/auth.decorators';
import { AppError, notFound } from '../common/app-error';
import { BODY_LIMIT_BYTES } from '../app.setup';
import { ScimMediaTypeGuard } from './scim-media-type.guard';
import { CURSOR_TIMEOUT_SECONDS } from './scim-paging';
import { MAX_RESULTS } from './scim-request';
import { ScimUsersService } from './scim-users.service';

type Json = Record<string, unknown>;

@ApiTags('SCIM 2.0: discovery')
@ApiBearerAuth('scimKey')
@RequiresKey('scim')
@UseGuards(ScimMediaTypeGuard)
@Controller('v1.0/scim/v2')
export class ScimDiscoveryController {
  constructor(private readonly scim: ScimUsersService) {}

  /**
   * RFC 7644 §3.4.3's search of every resource type at once, from the base: not implemented (see
   * docs/decisions.md). Real routes, so the key is checked first (401/403) like on any SCIM path.
   */
  @Get()
  @ApiOperation({ summary: 'Search across Users and Groups at the base: not implemented; search /Users or /Groups.' })
  @ApiResponse({ status: 501, description: 'A SCIM Error saying to search /Users or /Groups.' })
  searchAtBase(): never {
    throw rootSearchNotImplemented();
  }

  @Post('.search')
  @ApiOperation({
    summary: 'Search across Users and Groups at the base: not implemented; use POST /Users/.search or /Groups/.search.',
  })
  @ApiResponse({ status: 501, description: 'A SCIM Error saying to search /Users or /Groups.' })
  searchRequestAtBase(): never {
    throw rootSearchNotImplemented();
  }

  @Get('ServiceProviderConfig')
  @ApiOperation({
    summary:
      'What this server supports: PATCH, filter (max 200), sort, ETag, index and cursor paging; no bulk, no password change.',
  })
  serviceProviderConfig(): Json {
    return serviceProviderConfig({
      baseUrl: this.scim.baseUrl,
      maxResults: MAX_RESULTS,
      maxPayloadSize: BODY_LIMIT_BYTES,
      cursorTimeout: CURSOR_TIMEOUT_SECONDS,
    });
  }

  @Get('ResourceTypes')
  @ApiOperation({ summary: 'User (with the enterprise extension) is the only resource type.' })
  resourceTypes(): Json {
    return { ...resourceTypes(this.scim.baseUrl) };
  }

  @Get('ResourceTypes/:name')
  resourceType(@Param('name') name: string): Json {
    return found(
      resourceTypeDocument(name, this.scim.baseUrl),
      `No resource type "${name}": this server provisions Users and Groups.`,
    );
  }

  @Get('Schemas')
  @ApiOperation({ summary: 'The core User schema and the enterprise User extension.' })
  schemas(): Json {
    return { ...schemasListResponse(this.scim.baseUrl) };
  }

  @Get('Schemas/:urn')
  schema(@Param('urn') urn: string): Json {
    return found(
      schemaDocument(urn, this.scim.baseUrl),
      `No schema "${urn}" here; see /Schemas for the ones this server supports.`,
    );
  }
}

function found(document: Json | undefined, message: string): Json {
  if (!document) throw notFound(message);
  return document;
}

function rootSearchNotImplemented(): AppError {
  return new AppError(
    HttpStatus.NOT_IMPLEMENTED,
    'This server does not search across resource types at the base path; search /Users or /Groups instead ' +
      '(GET /Users?filter=... or POST /Users/.search, and the same for /Groups).',
  );
}
