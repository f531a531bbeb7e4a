import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { CursorsModule } from '../cursors/cursors.module';
import { ScimRequest } from './scim-request.entity';
import { ScimRequestRecorder } from './scim-request-recorder.service';
import { ScimRequestsController } from './scim-requests.controller';
import { ScimRequestsRepository } from './scim-requests.repository';
import { ScimRequestsService } from './scim-requests.service';

/**
 * The provisioning inspector (docs/inspector.md): every SCIM request of an organization, recorded
 * after its answer by ScimRequestRecorder (wired into Fastify's onSend and onResponse hooks in
 * app.setup.ts), and read through the admin API.
 */
@Module({
  imports: [TypeOrmModule.forFeature([ScimRequest]), AuthModule, CursorsModule],
  controllers: [ScimRequestsController],
  providers: [ScimRequestsRepository, ScimRequestRecorder, ScimRequestsService],
  exports: [ScimRequestRecorder],
})
export class ScimRequestsModule {}
