import { TransactionRunner } from '@app/database';
import { GroupChange, GroupInput } from '@app/scim-protocol';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { badRequest, conflict, notFound, preconditionFailed } from '../common/app-error';
import { Clock } from '../common/clock';
import { isUniqueViolation, retryOnDeadlock } from '../common/db-errors';
import { parseId } from '../common/ids';
import { Group } from './group.entity';
import { GroupSearch, GroupsRepository, MemberRow } from './groups.repository';

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
 */
@Injectable()
export class GroupsService {
  constructor(
    private readonly repository: GroupsRepository,
    private readonly transactions: TransactionRunner,
    private readonly clock: Clock,
  ) {}

  async create(organizationId: number, input: GroupInput): Promise<GroupResource> {
    return retryOnDeadlock(() =>
      this.transactions.run(async (manager) => {
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
        return this.resource(manager, group, true);
      }),
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
    ifMatch?: (version: number) => boolean,
  ): Promise<GroupResource> {
    return retryOnDeadlock(() =>
      this.transactions.run(async (manager) => {
        const group = await this.find(manager, organizationId, rawId, true);
        checkVersion(group, ifMatch);
        const members = await this.memberIds(manager, organizationId, input.members);
        let changed = this.set(group, { displayName: input.displayName, externalId: input.externalId ?? null });
        changed = (await this.replaceMembers(manager, group.id, members)) || changed;
        await this.save(manager, group, changed);
        return this.resource(manager, group, true);
      }),
    );
  }

  /** PATCH: the changes in order, all or nothing. */
  async patch(
    organizationId: number,
    rawId: string,
    changes: readonly GroupChange[],
    ifMatch?: (version: number) => boolean,
  ): Promise<void> {
    await retryOnDeadlock(() =>
      this.transactions.run(async (manager) => {
        const group = await this.find(manager, organizationId, rawId, true);
        checkVersion(group, ifMatch);
        // Every member id is checked before anything changes.
        const named = [...new Set(changes.flatMap((c) => ('ids' in c ? c.ids : [])))];
        const ids = await this.memberIds(manager, organizationId, named);
        const known = new Map(named.map((raw, i) => [raw, ids[i]]));
        const idsOf = (raw: readonly string[]) => raw.map((r) => known.get(r)!);
        let changed = false;
        for (const change of changes) {
          switch (change.op) {
            case 'set':
              changed = this.set(group, change) || changed;
              break;
            case 'addMembers':
              changed = (await this.repository.addMembers(manager, group.id, idsOf(change.ids))) > 0 || changed;
              break;
            case 'removeMembers':
              changed = (await this.repository.removeMembers(manager, group.id, idsOf(change.ids))) > 0 || changed;
              break;
            case 'removeAllMembers':
              changed = (await this.repository.removeAllMembers(manager, group.id)) > 0 || changed;
              break;
            case 'replaceMembers':
              changed = (await this.replaceMembers(manager, group.id, idsOf(change.ids))) || changed;
              break;
          }
        }
        await this.save(manager, group, changed);
      }),
    );
  }

  /** DELETE: the group and its memberships; the users stay. */
  async remove(organizationId: number, rawId: string, ifMatch?: (version: number) => boolean): Promise<void> {
    await retryOnDeadlock(() =>
      this.transactions.run(async (manager) => {
        const group = await this.find(manager, organizationId, rawId, true);
        checkVersion(group, ifMatch);
        await this.repository.delete(manager, group.id);
      }),
    );
  }

  async search(
    organizationId: number,
    query: GroupSearch,
    withMembers: boolean,
  ): Promise<{ total: number; groups: GroupResource[] }> {
    const { total, groups } = await this.repository.search(organizationId, query);
    if (!withMembers) return { total, groups: groups.map((g) => toResource(g)) };
    // One statement for the page's members, grouped in one pass (a page may hold 100 groups of 10,000 members).
    const byGroup = new Map<number, MemberRow[]>(groups.map((g) => [g.id, []]));
    for (const member of await this.repository.members(groups.map((g) => g.id))) byGroup.get(member.groupId)!.push(member);
    return { total, groups: groups.map((g) => toResource(g, byGroup.get(g.id))) };
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

  private async find(manager: EntityManager | undefined, organizationId: number, rawId: string, lock = false): Promise<Group> {
    const group = await this.repository.find(organizationId, parseId(rawId, 'group'), manager, lock);
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

  /** Makes the member list exactly `wanted`; whether it changed. */
  private async replaceMembers(manager: EntityManager, groupId: number, wanted: readonly number[]): Promise<boolean> {
    const current = new Set(await this.repository.memberIds(manager, groupId));
    const keep = new Set(wanted);
    const gone = [...current].filter((id) => !keep.has(id));
    const added = wanted.filter((id) => !current.has(id));
    await this.repository.removeMembers(manager, groupId, gone);
    await this.repository.addMembers(manager, groupId, added);
    return gone.length > 0 || added.length > 0;
  }

  /** Sets displayName and externalId when given; whether either changed. */
  private set(group: Group, change: { displayName?: string; externalId?: string | null }): boolean {
    let changed = false;
    if (change.displayName !== undefined && change.displayName !== group.displayName) {
      Object.assign(group, names(change.displayName));
      changed = true;
    }
    if (change.externalId !== undefined && change.externalId !== group.externalId) {
      group.externalId = change.externalId;
      changed = true;
    }
    return changed;
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
