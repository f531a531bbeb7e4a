import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminCursors } from './admin-cursors';
import { CursorKey } from './cursor-key';
import { ServerSecret } from './server-secret.entity';
import { ServerSecretsRepository } from './server-secrets.repository';

/** Unforgeable list cursors: the key shared by every instance (kept in the database), and the admin API's cursors. */
@Module({
  imports: [TypeOrmModule.forFeature([ServerSecret])],
  providers: [ServerSecretsRepository, CursorKey, AdminCursors],
  exports: [CursorKey, AdminCursors],
})
export class CursorsModule {}
