import type { OrganizationView, SecuritySettingsView } from '@app/api-types';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { notFound } from '../common/app-error';
import { Clock } from '../common/clock';
import { Organization } from './organization.entity';

@Injectable()
export class OrganizationsService {
  constructor(
    @InjectRepository(Organization) private readonly organizations: Repository<Organization>,
    private readonly clock: Clock,
  ) {}

  /** Creates an organization inside the caller's transaction (see OnboardingService). */
  async create(manager: EntityManager, name: string): Promise<Organization> {
    const now = this.clock.now();
    return manager.save(manager.create(Organization, { name, scimEnabled: false, createdAt: now, updatedAt: now }));
  }

  async get(id: number): Promise<OrganizationView> {
    return toView(await this.find(id));
  }

  async getSecurity(id: number): Promise<SecuritySettingsView> {
    const organization = await this.find(id);
    return { scimEnabled: organization.scimEnabled };
  }

  async setScimEnabled(id: number, scimEnabled: boolean): Promise<SecuritySettingsView> {
    await this.organizations.update({ id }, { scimEnabled, updatedAt: this.clock.now() });
    return this.getSecurity(id);
  }

  async isScimEnabled(id: number, manager: EntityManager = this.organizations.manager): Promise<boolean> {
    const organization = await manager.findOneBy(Organization, { id });
    return organization?.scimEnabled ?? false;
  }

  private async find(id: number): Promise<Organization> {
    const organization = await this.organizations.findOneBy({ id });
    if (!organization) throw notFound(`No organization with id ${id}.`);
    return organization;
  }
}

function toView(organization: Organization): OrganizationView {
  return { id: String(organization.id), name: organization.name, createdAt: organization.createdAt.toISOString() };
}
