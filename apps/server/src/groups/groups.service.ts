import type { GroupPage, GroupView } from '@app/api-types';
import type { AuditScope } from '../audit/audit-context';
import { StatementTimeoutError, TransactionRunner } from '@app/database';
import { GroupChange, GroupInput } from '@app/scim-protocol';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditChange, AuditRecord, AuditService } from '../audit/audit.service';
import { badRequest, conflict, notFound, preconditionFailed } from '../common/app-error';
import { Clock } from '../common/clock';
import { DEFAULT_PAGE_SIZE } from '../common/cursor';
import { AdminCursors } from '../cursors/admin-cursors';
import { isUniqueViolation, retryOnDeadlock } from '../common/db-errors';
import { parseId } from '../common/ids';
import { OrganizationsService } from '../organizations/organizations.service';
import { Group } from './group.entity';
import { GroupSearch, GroupsRepository, MemberRow } from './groups.repository';
import { RoleMappingsService } from './role-mappings.service';

/** A group as SCIM sees it; `members` only when asked for. */
export interface GroupResource {
  id: number;
  displayName: string;
  externalId: string | null;
  version: number;
  created: Date;
  lastModified: Date;
  members?: Array<{ value: string; display: string }>;
}

/** Member ids listed in a refusal, at most. */
const NAMED = 5;

/**
 * The groups of an organization and their members: the rules (displayName unique per organization
 * case-insensitively, members are live users of the organization, every request all or nothing) on
 * top of GroupsRepository. A change bumps the version (the ETag) only when it changes something.
 * Every membership change settles the roles of the users it touches (roles from groups) in the
 * same transaction, so a refusal (the last active Admin) leaves the group as it was.
 *
 * Locks (MySQL/MariaDB), in the global order of lock-order.ts: every change of a group first takes
 * its organization's lock, which serializes the organization's membership and mapping changes (they
 * recompute the same users' roles, and the last-Admin rule needs them to see each other), then the
 * users it names (a locking read: none is deleted meanwhile), then the group's row and its members.
 */
@Injectable()
export class GroupsService {
  constructor(
    private readonly repository: GroupsRepository,
    private readonly roleMappings: RoleMappingsService,
    private readonly organizations: OrganizationsService,
    private readonly audit: AuditService,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
    private readonly cursors: AdminCursors,
  ) {}

  async create(organizationId: number, input: GroupInput, scope: AuditScope): Promise<GroupResource> {
    return retryOnDeadlock(() =>
      this.transactions.run(
        async (manager) => {
          await this.organizations.lock(manager, organizationId);
          const members = await this.memberIds(manager, organizationId, input.members);
          const now = this.clock.now();
          const group = Object.assign(new Group(), {
            organizationId,
            ...names(input.displayName),
            externalId: input.externalId ?? null,
            createdAt: now,
            updatedAt: now,
            version: 1,
          });
          try {
            group.id = await this.repository.insert(manager, group);
          } catch (error) {
            if (isUniqueViolation(error)) throw taken(input.displayName);
            throw error;
          }
          await this.repository.addMembers(manager, group.id, members);
          await this.roleMappings.settle(manager, organizationId, members, scope);
          const unique = [...new Set(members)];
          await this.audit.record(manager, scope, {
            organizationId,
            action: 'group.created',
            target: targetOf(group),
            changes: [
              { attribute: 'displayName', to: group.displayName },
              ...(group.externalId !== null ? [{ attribute: 'externalId', to: group.externalId }] : []),
              ...(unique.length ? [{ attribute: 'members', to: unique.map(String) }] : []),
            ],
            ...(unique.length ? { detail: listed(unique.length, 'member') } : {}),
          });
          return this.resource(manager, group, true);
        },
        { organizationId },
      ),
    );
  }

  async get(organizationId: number, rawId: string, withMembers: boolean): Promise<GroupResource> {
    const group = await this.find(undefined, organizationId, rawId);
    return toResource(group, withMembers ? await this.repository.members([group.id]) : undefined);
  }

  /** PUT: displayName, externalId and the whole member list. */
  async replace(
    organizationId: number,
    rawId: string,
    input: GroupInput,
    scope: AuditScope,
    ifMatch?: (version: number) => boolean,
  ): Promise<GroupResource> {
    return retryOnDeadlock(() =>
      this.transactions.run(
        async (manager) => {
          const group = await this.findLocked(manager, organizationId, rawId);
          checkVersion(group, ifMatch);
          const members = await this.memberIds(manager, organizationId, input.members);
          const { gone, added } = await this.replaceMembers(manager, group.id, members);
          const changes: AuditChange[] = [];
          this.set(group, { displayName: input.displayName, externalId: input.externalId ?? null }, changes);
          await this.roleMappings.settle(manager, organizationId, [...gone, ...added], scope);
          await this.save(manager, group, changes.length > 0 || gone.length + added.length > 0);
          await this.audit.record(manager, scope, ...groupEvents(group, changes, added, added.length, gone, gone.length));
          return this.resource(manager, group, true);
        },
        { organizationId },
      ),
    );
  }

  /** PATCH: the changes in order, all or nothing. */
  async patch(
    organizationId: number,
    rawId: string,
    changes: readonly GroupChange[],
    scope: AuditScope,
    ifMatch?: (version: number) => boolean,
  ): Promise<void> {
    await retryOnDeadlock(() =>
      this.transactions.run(
        async (manager) => {
          const group = await this.findLocked(manager, organizationId, rawId);
          checkVersion(group, ifMatch);
          // Every member id is checked before anything changes.
          const named = [...new Set(changes.flatMap((c) => ('ids' in c ? c.ids : [])))];
          const ids = await this.memberIds(manager, organizationId, named);
          const known = new Map(named.map((raw, i) => [raw, ids[i]]));
          const idsOf = (raw: readonly string[]) => raw.map((r) => known.get(r)!);
          const attributes: AuditChange[] = [];
          // Members named by the PATCH, and how many rows each direction really changed (adding a member twice changes nothing).
          const added = new Set<number>();
          const removed = new Set<number>();
          let addedCount = 0;
          let removedCount = 0;
          const add = (ids: readonly number[], count: number) => {
            if (count > 0)
              for (const id of ids) {
                added.add(id);
                removed.delete(id);
              }
            addedCount += count;
          };
          const remove = (ids: readonly number[], count: number) => {
            if (count > 0)
              for (const id of ids) {
                removed.add(id);
                added.delete(id);
              }
            removedCount += count;
          };
          for (const change of changes) {
            switch (change.op) {
              case 'set':
                this.set(group, change, attributes);
                break;
              case 'addMembers':
                add(idsOf(change.ids), await this.repository.addMembers(manager, group.id, idsOf(change.ids)));
                break;
              case 'removeMembers':
                remove(idsOf(change.ids), await this.repository.removeMembers(manager, group.id, idsOf(change.ids)));
                break;
              case 'removeAllMembers': {
                const ids = await this.repository.memberIds(manager, group.id);
                remove(ids, await this.repository.removeMembers(manager, group.id, ids));
                break;
              }
              case 'replaceMembers': {
                const { gone, added: joined } = await this.replaceMembers(manager, group.id, idsOf(change.ids));
                remove(gone, gone.length);
                add(joined, joined.length);
                break;
              }
            }
          }
          await this.roleMappings.settle(manager, organizationId, [...added, ...removed], scope);
          await this.save(manager, group, attributes.length > 0 || addedCount + removedCount > 0);
          await this.audit.record(
            manager,
            scope,
            ...groupEvents(group, attributes, [...added], addedCount, [...removed], removedCount),
          );
        },
        { organizationId },
      ),
    );
  }

  /**
   * DELETE: the group, its memberships and its role mapping; the users stay. Its members leave it
   * first, so their roles are settled while its mapping still exists (the last mapping of the
   * organization included).
   */
  async remove(organizationId: number, rawId: string, scope: AuditScope, ifMatch?: (version: number) => boolean): Promise<void> {
    await retryOnDeadlock(() =>
      this.transactions.run(
        async (manager) => {
          const group = await this.findLocked(manager, organizationId, rawId);
          checkVersion(group, ifMatch);
          const members = await this.repository.memberIds(manager, group.id);
          await this.repository.removeMembers(manager, group.id, members);
          await this.roleMappings.settle(manager, organizationId, members, scope);
          await this.repository.delete(manager, group.id);
          await this.audit.record(manager, scope, {
            organizationId,
            action: 'group.deleted',
            target: targetOf(group),
            ...(members.length ? { detail: `It had ${listed(members.length, 'member')}; the users stay.` } : {}),
          });
        },
        { organizationId },
      ),
    );
  }

  /**
   * Puts users' group memberships back as recorded before a deactivation or deletion (the safety net's
   * restore and undo), inside the caller's transaction, which holds the organization's lock: each user
   * ends in exactly the recorded groups that still exist (added back, or removed from groups joined
   * since), with the groups' audit events; then their roles are settled from the memberships and the
   * mappings in force.
   */
  async restoreMemberships(
    manager: EntityManager,
    organizationId: number,
    wanted: ReadonlyMap<number, readonly number[]>,
    scope: AuditScope,
  ): Promise<void> {
    const userIds = [...wanted.keys()];
    if (!userIds.length) return;
    this.organizations.requireLock(manager, organizationId);
    const current = await this.repository.membershipsOf(manager, userIds);
    const wantedBy = new Map<number, number[]>();
    for (const [userId, groupIds] of wanted)
      for (const groupId of groupIds) wantedBy.set(groupId, [...(wantedBy.get(groupId) ?? []), userId]);
    for (const groupId of new Set([...current.keys(), ...wantedBy.keys()])) {
      const group = await this.repository.find(organizationId, groupId, manager);
      if (!group) continue; // deleted since: its memberships cannot come back
      const members = new Set(current.get(groupId) ?? []);
      const want = new Set(wantedBy.get(groupId) ?? []);
      const add = [...want].filter((id) => !members.has(id));
      const remove = [...members].filter((id) => !want.has(id));
      if (!add.length && !remove.length) continue;
      const added = add.length ? await this.repository.addMembers(manager, group.id, add) : 0;
      const removed = remove.length ? await this.repository.removeMembers(manager, group.id, remove) : 0;
      await this.save(manager, group, added + removed > 0);
      await this.audit.record(manager, scope, ...groupEvents(group, [], add, added, remove, removed));
    }
    await this.roleMappings.settle(manager, organizationId, userIds, scope);
  }

  async search(
    organizationId: number,
    query: GroupSearch,
    withMembers: boolean,
  ): Promise<{ total: number; groups: GroupResource[] }> {
    const { total, groups } = await this.repository.search(organizationId, query).catch((error: unknown) => {
      if (!(error instanceof StatementTimeoutError)) throw error;
      throw badRequest(
        `The search took longer than the ${error.timeoutMs / 1000} s this server allows one and was stopped; use fewer or more selective filter terms (eq on displayName, externalId or members.value is fastest), or sort by a plain attribute.`,
        'tooMany',
      );
    });
    if (!withMembers) return { total, groups: groups.map((g) => toResource(g)) };
    // One statement for the page's members, grouped in one pass (a page may hold 100 groups of 10,000 members).
    const byGroup = new Map<number, MemberRow[]>(groups.map((g) => [g.id, []]));
    for (const member of await this.repository.members(groups.map((g) => g.id))) byGroup.get(member.groupId)!.push(member);
    return { total, groups: groups.map((g) => toResource(g, byGroup.get(g.id))) };
  }

  /** The admin API's groups: cursor-paged, with their member counts and mapped roles. */
  async list(organizationId: number, query: { size?: number; cursor?: string }): Promise<GroupPage> {
    const size = query.size ?? DEFAULT_PAGE_SIZE;
    const { rows, total } = await this.repository.page(
      organizationId,
      this.cursors.decode('groups', organizationId, query.cursor),
      size + 1,
    );
    const page = rows.slice(0, size);
    const roles = await this.roleMappings.rolesOfGroups(page.map((r) => r.group.id));
    return {
      groups: page.map((r) => toView(r.group, r.memberCount, roles.get(r.group.id))),
      count: page.length,
      total,
      nextCursor: rows.length > size ? this.cursors.encode('groups', organizationId, page[page.length - 1].group.id) : null,
    };
  }

  /** One group as the admin API shows it. */
  async view(organizationId: number, rawId: string): Promise<GroupView> {
    const group = await this.find(undefined, organizationId, rawId);
    const memberCount = await this.repository.memberCount(group.id);
    return toView(group, memberCount, (await this.roleMappings.rolesOfGroups([group.id])).get(group.id));
  }

  /** The groups of these users, by user id: what a User's read-only `groups` shows. */
  async groupsOfUsers(userIds: readonly number[]): Promise<Map<number, Array<{ id: number; displayName: string }>>> {
    const byUser = new Map<number, Array<{ id: number; displayName: string }>>();
    for (const row of await this.repository.groupsOfUsers(userIds)) {
      const list = byUser.get(row.userId) ?? [];
      list.push({ id: row.groupId, displayName: row.displayName });
      byUser.set(row.userId, list);
    }
    return byUser;
  }

  private async find(manager: EntityManager | undefined, organizationId: number, rawId: string): Promise<Group> {
    const group = await this.repository.find(organizationId, parseId(rawId, 'group'), manager);
    if (!group) throw notFound(`No group with id ${JSON.stringify(rawId)} in this organization.`);
    return group;
  }

  /**
   * A group about to change, after its organization's lock (which every change of a group takes first,
   * so the row read is the latest and stays so); the group's own row is written last.
   */
  private async findLocked(manager: EntityManager, organizationId: number, rawId: string): Promise<Group> {
    const id = parseId(rawId, 'group');
    await this.organizations.lock(manager, organizationId);
    const group = await this.repository.find(organizationId, id, manager);
    if (!group) throw notFound(`No group with id ${JSON.stringify(rawId)} in this organization.`);
    return group;
  }

  /**
   * The user ids that member values name, in the same order, after checking that each is a live
   * user of this organization: otherwise 400 naming them, and the request changes nothing.
   */
  private async memberIds(manager: EntityManager, organizationId: number, raw: readonly string[]): Promise<number[]> {
    const ids = raw.map((value) => (/^[1-9]\d{0,9}$/.test(value) ? Number(value) : NaN));
    const live = await this.repository.liveUserIds(
      manager,
      organizationId,
      ids.filter((id) => Number.isSafeInteger(id) && id <= 2_147_483_647),
    );
    const unknown = raw.filter((_, i) => !live.has(ids[i]));
    if (unknown.length) {
      const shown = unknown
        .slice(0, NAMED)
        .map((v) => JSON.stringify(v))
        .join(', ');
      const more = unknown.length > NAMED ? ` and ${unknown.length - NAMED} more` : '';
      throw badRequest(
        `members: no user with id ${shown}${more} in this organization; a member's value is the id of one of its users.`,
        'invalidValue',
      );
    }
    return ids;
  }

  /** Makes the member list exactly `wanted`; returns the users who left and those who joined. */
  private async replaceMembers(
    manager: EntityManager,
    groupId: number,
    wanted: readonly number[],
  ): Promise<{ gone: number[]; added: number[] }> {
    const current = new Set(await this.repository.memberIds(manager, groupId));
    const keep = new Set(wanted);
    const gone = [...current].filter((id) => !keep.has(id));
    const added = [...new Set(wanted)].filter((id) => !current.has(id));
    await this.repository.removeMembers(manager, groupId, gone);
    await this.repository.addMembers(manager, groupId, added);
    return { gone, added };
  }

  /** Sets displayName and externalId when given, noting each change (several PATCH operations on one attribute: one change). */
  private set(group: Group, change: { displayName?: string; externalId?: string | null }, changes: AuditChange[]): void {
    const note = (attribute: string, from: unknown, to: unknown) => {
      const earlier = changes.find((c) => c.attribute === attribute);
      if (earlier) earlier.to = to;
      else changes.push({ attribute, from, to });
    };
    if (change.displayName !== undefined && change.displayName !== group.displayName) {
      const from = group.displayName;
      Object.assign(group, names(change.displayName));
      note('displayName', from, group.displayName);
    }
    if (change.externalId !== undefined && change.externalId !== group.externalId) {
      note('externalId', group.externalId, change.externalId);
      group.externalId = change.externalId;
    }
  }

  /** Stores the group's row with a new version and lastModified, when the request changed something. */
  private async save(manager: EntityManager, group: Group, changed: boolean): Promise<void> {
    if (!changed) return;
    group.updatedAt = this.clock.now();
    group.version += 1;
    try {
      await this.repository.update(manager, group);
    } catch (error) {
      if (isUniqueViolation(error)) throw taken(group.displayName);
      throw error;
    }
  }

  private async resource(manager: EntityManager, group: Group, withMembers: boolean): Promise<GroupResource> {
    return toResource(group, withMembers ? await this.repository.members([group.id], manager) : undefined);
  }
}

/** displayName as sent (NFC) and its case-insensitive key. */
function names(displayName: string): { displayName: string; displayNameLower: string } {
  const normalized = displayName.normalize('NFC');
  return { displayName: normalized, displayNameLower: normalized.toLowerCase() };
}

function taken(displayName: string) {
  return conflict(`A group named "${displayName}" already exists in this organization.`, 'uniqueness');
}

function checkVersion(group: Group, ifMatch: ((version: number) => boolean) | undefined): void {
  if (ifMatch && !ifMatch(group.version)) {
    throw preconditionFailed(`The group has changed since you read it (now version ${group.version}); read it again and retry.`);
  }
}

function toView(group: Group, memberCount: number, mapping?: { mappingId: number; role: string }): GroupView {
  return {
    id: String(group.id),
    displayName: group.displayName,
    externalId: group.externalId,
    memberCount,
    role: mapping?.role ?? null,
    roleMappingId: mapping ? String(mapping.mappingId) : null,
    createdAt: group.createdAt.toISOString(),
    updatedAt: group.updatedAt.toISOString(),
  };
}

function toResource(group: Group, members?: Array<{ userId: number; display: string }>): GroupResource {
  return {
    id: group.id,
    displayName: group.displayName,
    externalId: group.externalId,
    version: group.version,
    created: group.createdAt,
    lastModified: group.updatedAt,
    ...(members ? { members: members.map((m) => ({ value: String(m.userId), display: m.display })) } : {}),
  };
}

/** A group as events name it. */
function targetOf(group: Group): { type: string; id: number; display: string } {
  return { type: 'group', id: group.id, display: group.displayName };
}

function listed(count: number, word: string): string {
  return `${count.toLocaleString('en-US')} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * The events of a group's update: group.updated for its attributes, group.members-added and
 * group.members-removed with the members named (the first 100; the count says how many rows changed).
 */
function groupEvents(
  group: Group,
  attributes: AuditChange[],
  added: readonly number[],
  addedCount: number,
  removed: readonly number[],
  removedCount: number,
): AuditRecord[] {
  const organizationId = group.organizationId;
  const target = targetOf(group);
  const records: AuditRecord[] = [];
  if (attributes.length) records.push({ organizationId, action: 'group.updated', target, changes: attributes });
  if (addedCount > 0)
    records.push({
      organizationId,
      action: 'group.members-added',
      target,
      changes: [{ attribute: 'members', to: added.map(String) }],
      detail: `${listed(addedCount, 'member')} added.`,
    });
  if (removedCount > 0)
    records.push({
      organizationId,
      action: 'group.members-removed',
      target,
      changes: [{ attribute: 'members', from: removed.map(String) }],
      detail: `${listed(removedCount, 'member')} removed.`,
    });
  return records;
}
