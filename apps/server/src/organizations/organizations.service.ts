import { LockFirst, takesRowLocks, TransactionRunner } from '@app/database';
import type { AuditScope } from '../audit/audit-context';
import type { InputLimits, OrganizationView, SecuritySettingsView } from '@app/api-types';
import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { EntityManager } from 'typeorm';
import { describeTextProblem, findTextProblem } from '@app/scim-protocol';
import { badRequest, notFound } from '../common/app-error';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { Organization } from './organization.entity';
import { SCIM_TOGGLED, ScimToggledEvent } from './organization.events';
import { OrganizationsRepository } from './organizations.repository';

@Injectable()
export class OrganizationsService {
  /** The organization whose row each transaction (its EntityManager) holds locked. */
  private readonly locked = new WeakMap<EntityManager, number>();

  constructor(
    private readonly organizations: OrganizationsRepository,
    private readonly events: EventEmitter2,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  /** Creates an organization inside the caller's transaction (see OnboardingService). */
  async create(manager: EntityManager, rawName: string): Promise<{ id: number; name: string }> {
    const name = validOrganizationName(rawName);
    const now = this.clock.now();
    const organization = await this.organizations.insert(manager, { name, scimEnabled: false, createdAt: now, updatedAt: now });
    return { id: organization.id, name: organization.name };
  }

  async get(id: number): Promise<OrganizationView> {
    return toView(await this.find(id));
  }

  /**
   * Renames the organization (Settings > Organization, the CLI's org:rename): the name trimmed and in NFC,
   * 1 to 100 characters, without control or directional formatting characters. Unchanged: no event.
   */
  async rename(id: number, rawName: string, scope: AuditScope): Promise<OrganizationView> {
    const name = validOrganizationName(rawName);
    await this.find(id);
    await this.transactions.run(async (manager) => {
      await this.lock(manager, id);
      const current = await this.organizations.findById(id, manager);
      if (!current) throw notFound(`No organization with id ${id}.`);
      if (current.name === name) return;
      await this.organizations.rename(manager, id, name, this.clock.now());
      await this.audit.record(manager, scope, {
        organizationId: id,
        action: 'organization.renamed',
        target: { type: 'organization', id, display: name },
        changes: [{ attribute: 'name', from: current.name, to: name }],
      });
    });
    return this.get(id);
  }

  async getSecurity(id: number): Promise<SecuritySettingsView> {
    const organization = await this.find(id);
    return { scimEnabled: organization.scimEnabled };
  }

  /** Takes effect at once: cached key verifications of the organization are dropped (auth module). */
  async setScimEnabled(id: number, scimEnabled: boolean, scope: AuditScope): Promise<SecuritySettingsView> {
    await this.find(id);
    await this.transactions.run(async (manager) => {
      if (!(await this.organizations.setScimEnabled(manager, id, scimEnabled, this.clock.now()))) return;
      await this.audit.record(manager, scope, {
        organizationId: id,
        action: scimEnabled ? 'security.scim-enabled' : 'security.scim-disabled',
        target: { type: 'organization', id, display: 'SCIM provisioning' },
        changes: [{ attribute: 'scimEnabled', from: !scimEnabled, to: scimEnabled }],
      });
    });
    const event: ScimToggledEvent = { organizationId: id, scimEnabled };
    this.events.emit(SCIM_TOGGLED, event);
    return this.getSecurity(id);
  }

  async isScimEnabled(id: number, manager?: EntityManager): Promise<boolean> {
    return (await this.organizations.findById(id, manager))?.scimEnabled ?? false;
  }

  /**
   * Serializes, per organization, the changes that must see each other (the last-Admin rule, group
   * memberships and role mappings), until the caller's transaction ends. First in the global lock
   * order (lock-order.ts): a transaction takes it before any user's or group's row.
   */
  async lock(manager: EntityManager, id: number): Promise<void> {
    if (this.locked.get(manager) === id) return;
    await this.organizations.lockRow(manager, id);
    this.locked.set(manager, id);
  }

  /**
   * For a change that learns, after locking users, that it needs its organization's lock: returns
   * when the transaction holds it already (or takes no row locks: SQLite); otherwise throws LockFirst,
   * and TransactionRunner runs the transaction again with the organization's lock taken first.
   */
  requireLock(manager: EntityManager, id: number): void {
    if (!takesRowLocks(manager) || this.locked.get(manager) === id) return;
    throw new LockFirst((again) => this.lock(again, id), `Organization ${id}`);
  }

  private async find(id: number): Promise<Organization> {
    const organization = await this.organizations.findById(id);
    if (!organization) throw notFound(`No organization with id ${id}.`);
    return organization;
  }
}

/** The longest organization name, in characters (code points), after trimming. */
export const ORGANIZATION_NAME_MAX: InputLimits['organizationName'] = 100;

/**
 * An organization's name as stored: trimmed, in NFC, 1 to 100 characters, without control characters or
 * directional formatting (a name people read in the header and in emails). Otherwise 400 with a sentence
 * naming the field: for the admin API, the CLI and the first start alike.
 */
export function validOrganizationName(raw: string): string {
  const name = raw.trim().normalize('NFC');
  const length = [...name].length;
  if (length === 0 || length > ORGANIZATION_NAME_MAX) {
    const message = `name must be 1 to ${ORGANIZATION_NAME_MAX} characters (spaces at either end are not counted); got ${length}`;
    throw badRequest(`${message}.`, 'invalidValue', [{ field: 'name', message }]);
  }
  const problem = findTextProblem(raw, 'identifier');
  if (problem) {
    const message = describeTextProblem('name', problem, 'identifier');
    throw badRequest(message, 'invalidValue', [{ field: 'name', message }]);
  }
  return name;
}

function toView(organization: Organization): OrganizationView {
  return { id: String(organization.id), name: organization.name, createdAt: organization.createdAt.toISOString() };
}
