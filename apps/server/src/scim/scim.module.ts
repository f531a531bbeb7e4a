import { Module } from '@nestjs/common';

/** SCIM 2.0 at /v1.0/scim/v2 (Users, discovery). Filled in by the SCIM issue. */
@Module({})
export class ScimModule {}
