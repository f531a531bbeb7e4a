import { takesRowLocks } from '@app/database';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { Organization } from './organization.entity';

/** Every statement on `organizations`. */
@Injectable()
export class OrganizationsRepository {
  constructor(@InjectRepository(Organization) private readonly organizations: Repository<Organization>) {}

  insert(manager: EntityManager, row: Omit<Organization, 'id'>): Promise<Organization> {
    return manager.save(manager.create(Organization, row));
  }

  findById(id: number, manager: EntityManager = this.organizations.manager): Promise<Organization | null> {
    return manager.findOneBy(Organization, { id });
  }

  /** Sets the switch; whether it changed (a conditional UPDATE, so two toggles at once record one change). */
  async setScimEnabled(manager: EntityManager, id: number, scimEnabled: boolean, now: Date): Promise<boolean> {
    const result = await manager.update(Organization, { id, scimEnabled: !scimEnabled }, { scimEnabled, updatedAt: now });
    return (result.affected ?? 0) > 0;
  }

  /** Sets the name (inside the caller's transaction, which holds the organization's lock). */
  async rename(manager: EntityManager, id: number, name: string, now: Date): Promise<void> {
    await manager.update(Organization, { id }, { name, updatedAt: now });
  }

  /**
   * A row lock on the organization until the caller's transaction ends (MySQL). On SQLite
   * transactions already run one at a time (TransactionRunner), so there is nothing to take.
   */
  async lockRow(manager: EntityManager, id: number): Promise<void> {
    if (!takesRowLocks(manager)) return;
    await manager.createQueryBuilder(Organization, 'o').setLock('pessimistic_write').where('o.id = :id', { id }).getOne();
  }
}
