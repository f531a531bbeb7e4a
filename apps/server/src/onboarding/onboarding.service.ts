import type { CreatedApiKeyView } from '@app/api-types';
import { AuditScope, FIRST_START_SCOPE } from '../audit/audit-context';
import { TransactionRunner } from '@app/database';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { Clock } from '../common/clock';
import { isUniqueViolation } from '../common/db-errors';
import { OrganizationsService } from '../organizations/organizations.service';
import { RolesService } from '../users/roles.service';
import { validUserName } from '../users/user-name';
import { UserProvisioningService } from '../users/user-provisioning.service';
import { SystemFlagsRepository } from './system-flags.repository';

export interface OnboardedOrganization {
  organizationId: string;
  organizationName: string;
  adminUserId: string;
  adminEmail: string;
  apiKey: CreatedApiKeyView;
}

const BOOTSTRAP_FLAG = 'bootstrap';

/**
 * Creates an organization ready to use: its pre-defined roles, its first Admin
 * and a Torii API key, all in one transaction (nothing half-created on error).
 */
@Injectable()
export class OnboardingService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly organizations: OrganizationsService,
    private readonly roles: RolesService,
    private readonly users: UserProvisioningService,
    private readonly apiKeys: ApiKeysService,
    private readonly flags: SystemFlagsRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * `keyExpiresAt`: the first key's expiration (`YYYY-MM-DD` or ISO-8601); absent: the default lifetime
   * (API_KEY_DEFAULT_LIFETIME_DAYS); null: it never expires (`org:create --never-expires`).
   */
  async createOrganization(
    name: string,
    adminEmail: string,
    adminName: string | undefined,
    scope: AuditScope,
    keyExpiresAt?: string | null,
  ): Promise<OnboardedOrganization> {
    return this.transactions.run((manager) =>
      this.createIn(
        manager,
        name,
        adminEmail,
        adminName,
        scope,
        keyExpiresAt === undefined ? this.apiKeys.defaultExpiry() : keyExpiresAt,
      ),
    );
  }

  /**
   * First start on an empty database: creates the first organization once (its key with the default
   * lifetime), however many instances start at once (the flag's primary key decides). Returns null
   * when it was already done.
   */
  async bootstrapOnce(name: string, adminEmail: string, adminName?: string): Promise<OnboardedOrganization | null> {
    try {
      return await this.transactions.run(async (manager) => {
        await this.flags.insert(manager, BOOTSTRAP_FLAG, this.clock.now());
        return this.createIn(manager, name, adminEmail, adminName, FIRST_START_SCOPE, this.apiKeys.defaultExpiry());
      });
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  private async createIn(
    manager: EntityManager,
    name: string,
    adminEmail: string,
    adminName: string | undefined,
    scope: AuditScope,
    keyExpiresAt: string | null,
  ): Promise<OnboardedOrganization> {
    const cleanName = name.trim();
    const email = validUserName(adminEmail);
    const organization = await this.organizations.create(manager, cleanName);
    await this.roles.seedPredefined(manager, organization.id);
    const admin = await this.users.createAdmin(manager, organization.id, email, adminName, scope);
    const apiKey = await this.apiKeys.create(
      organization.id,
      { type: 'api', description: 'Created with the organization', expiresAt: keyExpiresAt },
      scope,
      manager,
    );
    return {
      organizationId: String(organization.id),
      organizationName: organization.name,
      adminUserId: String(admin.id),
      adminEmail: admin.userName,
      apiKey,
    };
  }
}
