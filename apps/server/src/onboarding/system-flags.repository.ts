import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SystemFlag } from './system-flag.entity';

/** Statements on `system_flags`. */
@Injectable()
export class SystemFlagsRepository {
  /** Inserts the flag inside the caller's transaction; a flag already set fails with a unique violation (the claim). */
  async insert(manager: EntityManager, name: string, now: Date): Promise<void> {
    await manager.insert(SystemFlag, { name, createdAt: now });
  }
}
