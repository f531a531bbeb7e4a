import { readByIds, Statements } from '@app/database';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { AuditActor } from '../audit/audit-context';
import { toDate, toDbDate } from '../common/db-values';
import type { DeprovisioningChange } from './deprovisioning.entity';

/** A user's state just before a deactivation or deletion: what a restore or an undo puts back. */
export interface PriorState {
  wasActive: boolean;
  roleId: number;
  ownRoleId: number | null;
  roleGroupId: number | null;
}

/** One deactivation or deletion, with the state before it and the groups the user was in. */
export interface DeprovisioningRow extends PriorState {
  id: number;
  userId: number;
  kind: DeprovisioningChange;
  at: Date;
  actor: AuditActor;
  groupIds: number[];
}

/** What the burst detector reads in a deprovisioning's transaction. */
export interface WindowState {
  /** The organization's open incident, if any. */
  openIncidentId: number | null;
  /** Distinct users deprovisioned through SCIM in the window outside any incident, this one excepted. */
  others: number;
  /** Of those, the users that were active before it. */
  othersWereActive: number;
  /** Whether this user is one of them already. */
  userInWindow: boolean;
}

/** The window right after a SCIM deprovisioning's COMMIT on MySQL/MariaDB (DeprovisioningsRepository.windowAfterCommit). */
export interface WindowAfterCommit {
  openIncidentId: number | null;
  /** The change just committed joined no incident though one is open now (it opened meanwhile). */
  missed: boolean;
  /** Users deprovisioned through SCIM in the window outside any incident, the one just committed included. */
  users: number;
  /** Of those, the users that were active before it. */
  wereActive: number;
}

export interface IncidentRow {
  id: number;
  organizationId: number;
  status: 'open' | 'undone' | 'dismissed';
  openedAt: Date;
  keyId: number | null;
  closedAt: Date | null;
  closedBy: AuditActor | null;
}

export interface IncidentUserRow {
  incidentId: number;
  userId: number;
  userName: string;
  kind: DeprovisioningChange;
  at: Date;
}

export interface DeletedUserRow {
  id: number;
  userName: string;
  displayName: string | null;
  deletedAt: Date;
  deletedBy: AuditActor;
}

const SCIM = `actor_type = 'scim-key'`;
/** The organization's open incident, if any (the unique (organization, open_slot) index). */
const OPEN_INCIDENT = 'SELECT id FROM deprovisioning_incidents WHERE organization_id = ? AND open_slot = 1';
const RECORD_COLUMNS =
  'organization_id, user_id, kind, at, actor_type, actor_key_id, actor_masked_key, actor_description, incident_id, was_active, role_id, own_role_id, role_group_id';
const ROW_COLUMNS =
  'd.id, d.user_id, d.kind, d.at, d.actor_type, d.actor_key_id, d.actor_masked_key, d.actor_description, d.was_active, d.role_id, d.own_role_id, d.role_group_id';

/** A deactivation or deletion to record: whose, what, when, by whom, and the state it undoes. */
export interface NewDeprovisioning {
  organizationId: number;
  userId: number;
  kind: DeprovisioningChange;
  at: Date;
  actor: AuditActor;
  prior: PriorState;
}

/**
 * The `user_deprovisionings`, `user_deprovisioning_groups` and `deprovisioning_incidents` tables
 * (deprovisioning.entity.ts, deprovisioning-incident.entity.ts). Outside its own tables it copies a
 * user's rows of `group_members` (the groups module's) in the transaction of the deprovisioning, and
 * reads `users` for the names it lists (docs/architecture.md says why).
 */
@Injectable()
export class DeprovisioningsRepository {
  private readonly sqlite: boolean;
  private readonly countMinute: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly statements: Statements,
  ) {
    this.sqlite = dataSource.options.type === 'better-sqlite3';
    this.countMinute = this.sqlite
      ? 'INSERT INTO deprovisioning_minutes (organization_id, minute, slot, users, were_active) VALUES (?, ?, 0, 1, ?) ON CONFLICT (organization_id, minute, slot) DO UPDATE SET users = users + 1, were_active = were_active + excluded.were_active'
      : 'INSERT INTO deprovisioning_minutes (organization_id, minute, slot, users, were_active) VALUES (?, ?, CONNECTION_ID() % 16, 1, ?) ON DUPLICATE KEY UPDATE users = users + 1, were_active = were_active + VALUES(were_active)';
  }

  /**
   * The burst detector's one read: the open incident, the users the organization's SCIM deprovisioning
   * reached in the window outside any incident (the per-minute counts since the minute the window
   * starts in: an incident takes the counts in when it opens, so counting starts afresh after it), and
   * whether this user is one of them already. A few rows, however large the burst. On MySQL the open
   * incident is read with a shared lock, in the same round trip: a change that finds none holds the gap,
   * so an incident being opened waits for it to commit and then takes it in (its UPDATE sees committed
   * rows), and a change that finds one joins it.
   */
  async windowState(manager: EntityManager, organizationId: number, since: Date, userId: number): Promise<WindowState> {
    const open = OPEN_INCIDENT;
    const count = `SELECT SUM(users), SUM(were_active), (SELECT COUNT(*) FROM user_deprovisionings WHERE user_id = ? AND at >= ? AND ${SCIM} AND incident_id IS NULL) FROM deprovisioning_minutes WHERE organization_id = ? AND minute >= ?`;
    const countParams = [userId, toDbDate(since), organizationId, toDbDate(minuteOf(since))];
    let incident: unknown[][];
    let counted: unknown[][];
    if (this.sqlite) {
      const [[openId, ...rest]] = await this.statements.rows(manager, count.replace('SELECT ', `SELECT (${open}), `), [
        organizationId,
        ...countParams,
      ]);
      incident = openId === null ? [] : [[openId]];
      counted = [rest];
    } else {
      [incident, counted] = (await this.statements.rows(manager, `${open} LOCK IN SHARE MODE; ${count}`, [
        organizationId,
        ...countParams,
      ])) as unknown as [unknown[][], unknown[][]];
    }
    const [others, wereActive, mine] = counted[0] ?? [0, 0, 0];
    return {
      openIncidentId: incident.length ? Number(incident[0][0]) : null,
      others: Number(others ?? 0),
      othersWereActive: Number(wereActive ?? 0),
      userInWindow: Number(mine ?? 0) > 0,
    };
  }

  /** The organization's live, active users (a burst's denominator; read only once a window holds a burst's count). */
  async activeUsers(organizationId: number, manager: EntityManager = this.dataSource.manager): Promise<number> {
    const [[n]] = await this.statements.rows(
      manager,
      'SELECT COUNT(*) FROM users WHERE organization_id = ? AND deleted_at IS NULL AND active = 1',
      [organizationId],
    );
    return Number(n ?? 0);
  }

  /**
   * Records a deactivation or deletion and copies the user's current groups with it, inside the
   * caller's transaction, before the change touches the memberships. On MySQL both go with the
   * COMMIT (the copy names the new row by LAST_INSERT_ID(), in the same multi-statement round trip).
   */
  async insert(
    manager: EntityManager,
    row: NewDeprovisioning & {
      incidentId: number | null;
      /** A SCIM change of a user not yet counted in the window, outside any incident: it counts in its minute. */
      counted: boolean;
      /** The user's groups when the caller read them in this transaction; otherwise copied from `group_members`. */
      groupIds?: readonly number[];
    },
  ): Promise<void> {
    const insert = `INSERT INTO user_deprovisionings (${RECORD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
    const values = recordValues(row, row.incidentId);
    const copy = (id: string) =>
      `INSERT INTO user_deprovisioning_groups (deprovisioning_id, group_id) SELECT ${id}, group_id FROM group_members WHERE user_id = ?`;
    if (this.sqlite) {
      const id = await this.statements.insert(manager, insert, values);
      // Most users deprovisioned are in no group: no statement then.
      if (row.groupIds === undefined) await this.statements.write(manager, copy('?'), [id, row.userId]);
      else if (row.groupIds.length)
        await this.statements.write(
          manager,
          `INSERT INTO user_deprovisioning_groups (deprovisioning_id, group_id) VALUES ${row.groupIds.map(() => '(?, ?)').join(', ')}`,
          row.groupIds.flatMap((groupId) => [id, groupId]),
        );
    } else {
      await this.statements.writeAtCommit(manager, insert, values);
      await this.statements.writeAtCommit(manager, copy('LAST_INSERT_ID()'), [row.userId]);
    }
    if (row.counted)
      await this.statements.writeAtCommit(manager, this.countMinute, [
        row.organizationId,
        toDbDate(minuteOf(row.at)),
        row.prior.wasActive ? 1 : 0,
      ]);
  }

  /**
   * MySQL/MariaDB: records a SCIM deactivation or deletion without reading anything first, with the
   * transaction's COMMIT (no round trip of its own): it joins the open incident if there is one (a
   * subquery, which takes the same shared lock on the incident's gap as `windowState`) and copies the
   * user's groups (those the caller's read brought: none, no statement). With `counting`, it also counts
   * in its minute when no incident is open and the user is not counted in the window yet, and
   * `windowAfterCommit` then reads the window as the COMMIT left it, in the same round trip. Without it
   * (an incident was open a moment ago: DeprovisioningService) the record only joins the incident.
   */
  async insertAtCommit(
    manager: EntityManager,
    row: NewDeprovisioning & {
      /** The user's groups when the caller read them in this transaction; otherwise copied from `group_members`. */
      groupIds?: readonly number[];
    },
    since: Date,
    counting: boolean,
  ): Promise<void> {
    // The incident's place in the values holds the organization, for the subquery there.
    await this.statements.writeAtCommit(
      manager,
      `INSERT INTO user_deprovisionings (${RECORD_COLUMNS}) SELECT ?, ?, ?, ?, ?, ?, ?, ?, (${OPEN_INCIDENT}), ?, ?, ?, ?`,
      recordValues(row, row.organizationId),
    );
    if (counting) await this.statements.writeAtCommit(manager, 'SET @deprovisioning = LAST_INSERT_ID()', []);
    const id = counting ? '@deprovisioning' : 'LAST_INSERT_ID()';
    if (row.groupIds === undefined)
      await this.statements.writeAtCommit(
        manager,
        `INSERT INTO user_deprovisioning_groups (deprovisioning_id, group_id) SELECT ${id}, group_id FROM group_members WHERE user_id = ?`,
        [row.userId],
      );
    else if (row.groupIds.length)
      await this.statements.writeAtCommit(
        manager,
        `INSERT INTO user_deprovisioning_groups (deprovisioning_id, group_id) VALUES ${row.groupIds.map(() => `(${id}, ?)`).join(', ')}`,
        [...row.groupIds],
      );
    if (!counting) return;
    await this.statements.writeAtCommit(
      manager,
      `INSERT INTO deprovisioning_minutes (organization_id, minute, slot, users, were_active) SELECT ?, ?, CONNECTION_ID() % 16, 1, ? FROM DUAL WHERE NOT EXISTS (${OPEN_INCIDENT}) AND NOT EXISTS (SELECT 1 FROM user_deprovisionings WHERE user_id = ? AND at >= ? AND ${SCIM} AND incident_id IS NULL AND id <> @deprovisioning) ON DUPLICATE KEY UPDATE users = users + 1, were_active = were_active + VALUES(were_active)`,
      [
        row.organizationId,
        toDbDate(minuteOf(row.at)),
        row.prior.wasActive ? 1 : 0,
        row.organizationId,
        row.userId,
        toDbDate(since),
      ],
    );
  }

  /**
   * The window as the COMMIT of `insertAtCommit` left it, read in the COMMIT's round trip
   * (Statements.readAfterCommit: await it only in work queued for after the commit): the open incident,
   * whether the change just committed missed it (it opened meanwhile), and the window's counts.
   */
  async windowAfterCommit(manager: EntityManager, organizationId: number, since: Date): Promise<WindowAfterCommit> {
    const [row] = await this.statements.readAfterCommit(
      manager,
      `SELECT (${OPEN_INCIDENT}), (SELECT incident_id IS NULL FROM user_deprovisionings WHERE id = @deprovisioning), SUM(users), SUM(were_active) FROM deprovisioning_minutes WHERE organization_id = ? AND minute >= ?`,
      [organizationId, organizationId, toDbDate(minuteOf(since))],
    );
    const [open, missed, users, wereActive] = row ?? [null, 0, 0, 0];
    return {
      openIncidentId: open === null || open === undefined ? null : Number(open),
      missed: Number(missed ?? 0) > 0,
      users: Number(users ?? 0),
      wereActive: Number(wereActive ?? 0),
    };
  }

  /** Opens the organization's incident; null when another transaction holds one open (the unique index decides). */
  async openIncident(manager: EntityManager, organizationId: number, now: Date, keyId: number | null): Promise<number | null> {
    const ignore = this.sqlite ? 'INSERT OR IGNORE' : 'INSERT IGNORE';
    const result = await manager.queryRunner!.query(
      `${ignore} INTO deprovisioning_incidents (organization_id, status, open_slot, opened_at, key_id, alert_due) VALUES (?, 'open', 1, ?, ?, 1)`,
      [organizationId, toDbDate(now), keyId],
      true,
    );
    if (this.sqlite)
      return (result.affected ?? 0) === 1
        ? Number((result.raw as { lastInsertRowid: number }).lastInsertRowid ?? result.raw)
        : null;
    const raw = result.raw as { affectedRows: number; insertId: number };
    return raw.affectedRows === 1 ? raw.insertId : null;
  }

  /** The open incident, read with a shared lock on MySQL (it sees one another transaction just committed). */
  async openIncidentId(manager: EntityManager, organizationId: number): Promise<number | null> {
    const rows = await this.statements.rows(manager, `${OPEN_INCIDENT}${this.sqlite ? '' : ' LOCK IN SHARE MODE'}`, [
      organizationId,
    ]);
    return rows.length ? Number(rows[0][0]) : null;
  }

  /** Puts the window's SCIM deprovisionings that belong to no incident into the open one, with their per-minute counts. */
  async attachWindow(manager: EntityManager, organizationId: number, incidentId: number, since: Date): Promise<void> {
    await this.statements.write(
      manager,
      `UPDATE user_deprovisionings SET incident_id = ? WHERE organization_id = ? AND at >= ? AND ${SCIM} AND incident_id IS NULL`,
      [incidentId, organizationId, toDbDate(since)],
    );
    // The counts were of changes outside any incident: they are the incident's now.
    await this.statements.write(manager, 'DELETE FROM deprovisioning_minutes WHERE organization_id = ?', [organizationId]);
  }

  /** Closes an open incident (undone or dismissed); false when it was not open. */
  async closeIncident(
    manager: EntityManager,
    id: number,
    status: 'undone' | 'dismissed',
    actor: AuditActor,
    now: Date,
  ): Promise<boolean> {
    const key = 'keyId' in actor ? actor : null;
    const result = await manager.queryRunner!.query(
      `UPDATE deprovisioning_incidents SET status = ?, open_slot = NULL, alert_due = NULL, closed_at = ?, closed_by_type = ?, closed_by_key_id = ?, closed_by_masked_key = ?, closed_by_description = ? WHERE id = ? AND status = 'open'`,
      [status, toDbDate(now), actor.type, key?.keyId ?? null, key?.maskedKey ?? null, key?.description ?? null, id],
      true,
    );
    return (result.affected ?? 0) === 1;
  }

  /** An organization's incidents, newest first (at most `limit`). */
  async incidents(organizationId: number, limit: number, manager = this.dataSource.manager): Promise<IncidentRow[]> {
    const rows = await this.statements.rows(
      manager,
      `SELECT id, organization_id, status, opened_at, key_id, closed_at, closed_by_type, closed_by_key_id, closed_by_masked_key, closed_by_description FROM deprovisioning_incidents WHERE organization_id = ? ORDER BY id DESC LIMIT ${Math.trunc(limit)}`,
      [organizationId],
    );
    return rows.map(incidentRow);
  }

  /** One incident of the organization, locked for an undo or a dismissal on MySQL. */
  async incident(
    organizationId: number,
    id: number,
    manager = this.dataSource.manager,
    lock = false,
  ): Promise<IncidentRow | null> {
    const rows = await this.statements.rows(
      manager,
      `SELECT id, organization_id, status, opened_at, key_id, closed_at, closed_by_type, closed_by_key_id, closed_by_masked_key, closed_by_description FROM deprovisioning_incidents WHERE id = ? AND organization_id = ?${lock && !this.sqlite ? ' FOR UPDATE' : ''}`,
      [id, organizationId],
    );
    return rows.length ? incidentRow(rows[0]) : null;
  }

  /** The users of these incidents, one row per change, in the order they happened. */
  async incidentUsers(incidentIds: readonly number[], manager = this.dataSource.manager): Promise<IncidentUserRow[]> {
    return readByIds(incidentIds, async (chunk, placeholders) => {
      const rows = await this.statements.rows(
        manager,
        `SELECT d.incident_id, d.user_id, u.user_name, d.kind, d.at FROM user_deprovisionings d JOIN users u ON u.id = d.user_id WHERE d.incident_id IN (${placeholders}) ORDER BY d.id`,
        chunk,
      );
      return rows.map(([incidentId, userId, userName, kind, at]) => ({
        incidentId: Number(incidentId),
        userId: Number(userId),
        userName: String(userName),
        kind: kind as DeprovisioningChange,
        at: toDate(at as string)!,
      }));
    });
  }

  /** Each user's first change in the incident: the state the undo puts back, with its groups. */
  async firstChanges(manager: EntityManager, incidentId: number): Promise<DeprovisioningRow[]> {
    const rows = await this.statements.rows(
      manager,
      `SELECT ${ROW_COLUMNS} FROM user_deprovisionings d WHERE d.incident_id = ? ORDER BY d.id`,
      [incidentId],
    );
    const first = new Map<number, DeprovisioningRow>();
    for (const row of rows.map(deprovisioningRow)) if (!first.has(row.userId)) first.set(row.userId, row);
    return this.withGroups(manager, [...first.values()]);
  }

  /** A user's latest deletion (its state before, and its groups), if it has one. */
  async latestDeletion(manager: EntityManager, userId: number): Promise<DeprovisioningRow | null> {
    const rows = await this.statements.rows(
      manager,
      `SELECT ${ROW_COLUMNS} FROM user_deprovisionings d WHERE d.user_id = ? AND d.kind = 'deleted' ORDER BY d.id DESC LIMIT 1`,
      [userId],
    );
    if (!rows.length) return null;
    return (await this.withGroups(manager, [deprovisioningRow(rows[0])]))[0];
  }

  /**
   * A page of the organization's deleted users, most recently deleted first: their latest deletions
   * (a user restored and deleted again has two) before the cursor's record id, with who deleted them.
   * One more row than `size` says whether a next page exists.
   */
  async deletedUsers(
    organizationId: number,
    beforeId: number,
    size: number,
  ): Promise<Array<DeletedUserRow & { recordId: number }>> {
    // After the cursor's record, in (at, id) order: the organization's (organization, at) index, read backwards.
    const at = '(SELECT c.at FROM user_deprovisionings c WHERE c.id = ?)';
    const after = beforeId ? ` AND (d.at < ${at} OR (d.at = ${at} AND d.id < ?))` : '';
    const rows = await this.statements.rows(
      this.dataSource.manager,
      `SELECT d.id, u.id, u.user_name, u.display_name, u.deleted_at, d.actor_type, d.actor_key_id, d.actor_masked_key, d.actor_description
        FROM user_deprovisionings d JOIN users u ON u.id = d.user_id
        WHERE d.organization_id = ? AND d.kind = 'deleted' AND u.deleted_at IS NOT NULL${after}
          AND NOT EXISTS (SELECT 1 FROM user_deprovisionings x WHERE x.user_id = d.user_id AND x.kind = 'deleted' AND x.id > d.id)
        ORDER BY d.at DESC, d.id DESC LIMIT ${Math.trunc(size) + 1}`,
      beforeId ? [organizationId, beforeId, beforeId, beforeId] : [organizationId],
    );
    return rows.map(([recordId, id, userName, displayName, deletedAt, ...actor]) => ({
      recordId: Number(recordId),
      id: Number(id),
      userName: String(userName),
      displayName: displayName === null ? null : String(displayName),
      deletedAt: toDate(deletedAt as string)!,
      deletedBy: actorOf(actor),
    }));
  }

  /**
   * Records at or before `before` (the retention's start), oldest first: the first `limit` records by id
   * (ids follow the time), up to the first that is not due. The purge removes each one it is given, so
   * the walk starts at the oldest every time and its work is what is due, not the number of
   * organizations or users, with no index on the time to keep on every write. Each comes with
   * its user's state: a deletion whose user is still deleted since then is a purge; the rest (a
   * deactivation, the deletion of a user restored since) is history nothing undoes any more.
   */
  async due(
    before: Date,
    limit: number,
  ): Promise<Array<{ id: number; userId: number; organizationId: number; userName: string; deletedAt: Date | null }>> {
    const rows = await this.statements.rows(
      this.dataSource.manager,
      `SELECT d.id, d.user_id, u.organization_id, u.user_name, u.deleted_at, d.at FROM user_deprovisionings d JOIN users u ON u.id = d.user_id
        ORDER BY d.id LIMIT ${Math.trunc(limit)}`,
      [],
    );
    const firstNotDue = rows.findIndex((row) => toDate(row[5] as string)! > before);
    const due = firstNotDue < 0 ? rows : rows.slice(0, firstNotDue);
    return due.map(([id, userId, organizationId, userName, deletedAt]) => ({
      id: Number(id),
      userId: Number(userId),
      organizationId: Number(organizationId),
      userName: String(userName),
      deletedAt: toDate(deletedAt as string),
    }));
  }

  /** Removes a deleted user for good if it is still deleted since `before` or earlier; false when it is not (restored, or purged by another instance). */
  async purgeUser(manager: EntityManager, userId: number, before: Date): Promise<boolean> {
    const result = await manager.queryRunner!.query(
      'DELETE FROM users WHERE id = ? AND deleted_at IS NOT NULL AND deleted_at <= ?',
      [userId, toDbDate(before)],
      true,
    );
    return (result.affected ?? 0) === 1;
  }

  /** Deletes the per-minute counts before `before` (the purge: past any window). */
  async pruneMinutes(before: Date): Promise<void> {
    await this.statements.write(this.dataSource.manager, 'DELETE FROM deprovisioning_minutes WHERE minute < ?', [
      toDbDate(before),
    ]);
  }

  /** Deletes records by id (history past the retention). */
  async deleteRecords(ids: readonly number[]): Promise<void> {
    if (ids.length)
      await this.statements.write(
        this.dataSource.manager,
        `DELETE FROM user_deprovisionings WHERE id IN (${ids.map(() => '?').join(', ')})`,
        [...ids],
      );
  }

  /** The open incident of the organization, for the connection's health: when it opened, its last change, its users. */
  async openSummary(organizationId: number): Promise<{ id: number; openedAt: Date; lastAt: Date; count: number } | null> {
    const rows = await this.statements.rows(
      this.dataSource.manager,
      `SELECT i.id, i.opened_at, MAX(d.at), COUNT(DISTINCT d.user_id) FROM deprovisioning_incidents i JOIN user_deprovisionings d ON d.incident_id = i.id
        WHERE i.organization_id = ? AND i.open_slot = 1 GROUP BY i.id, i.opened_at`,
      [organizationId],
    );
    if (!rows.length) return null;
    const [id, openedAt, lastAt, count] = rows[0];
    return { id: Number(id), openedAt: toDate(openedAt as string)!, lastAt: toDate(lastAt as string)!, count: Number(count) };
  }

  /** Incidents whose email is not in the outbox yet. */
  async alertsDue(limit: number): Promise<number[]> {
    const rows = await this.statements.rows(
      this.dataSource.manager,
      `SELECT id FROM deprovisioning_incidents WHERE alert_due = 1 ORDER BY id LIMIT ${Math.trunc(limit)}`,
      [],
    );
    return rows.map((r) => Number(r[0]));
  }

  /** Claims an incident's alert (a conditional UPDATE: one instance wins); its organization and key, or null. */
  async claimAlert(manager: EntityManager, id: number): Promise<{ organizationId: number; keyId: number | null } | null> {
    const result = await manager.queryRunner!.query(
      'UPDATE deprovisioning_incidents SET alert_due = NULL WHERE id = ? AND alert_due = 1',
      [id],
      true,
    );
    if ((result.affected ?? 0) !== 1) return null;
    const [[organizationId, keyId]] = await this.statements.rows(
      manager,
      'SELECT organization_id, key_id FROM deprovisioning_incidents WHERE id = ?',
      [id],
    );
    return { organizationId: Number(organizationId), keyId: keyId === null ? null : Number(keyId) };
  }

  private async withGroups(manager: EntityManager, rows: DeprovisioningRow[]): Promise<DeprovisioningRow[]> {
    const byId = new Map(rows.map((r) => [r.id, r]));
    await readByIds([...byId.keys()], async (chunk, placeholders) => {
      const found = await this.statements.rows(
        manager,
        `SELECT deprovisioning_id, group_id FROM user_deprovisioning_groups WHERE deprovisioning_id IN (${placeholders}) ORDER BY deprovisioning_id, group_id`,
        chunk,
      );
      for (const [id, groupId] of found) byId.get(Number(id))!.groupIds.push(Number(groupId));
      return [];
    });
    return rows;
  }
}

function actorOf([type, keyId, maskedKey, description]: unknown[]): AuditActor {
  if ((type === 'api-key' || type === 'scim-key') && keyId !== null) {
    return {
      type,
      keyId: Number(keyId),
      maskedKey: String(maskedKey ?? ''),
      description: description === null ? null : String(description),
    };
  }
  return { type: type === 'cli' ? 'cli' : 'system' };
}

function deprovisioningRow(row: unknown[]): DeprovisioningRow {
  const [id, userId, kind, at, actorType, keyId, maskedKey, description, wasActive, roleId, ownRoleId, roleGroupId] = row;
  return {
    id: Number(id),
    userId: Number(userId),
    kind: kind as DeprovisioningChange,
    at: toDate(at as string)!,
    actor: actorOf([actorType, keyId, maskedKey, description]),
    wasActive: Number(wasActive) === 1,
    roleId: Number(roleId),
    ownRoleId: ownRoleId === null ? null : Number(ownRoleId),
    roleGroupId: roleGroupId === null ? null : Number(roleGroupId),
    groupIds: [],
  };
}

function incidentRow(row: unknown[]): IncidentRow {
  const [id, organizationId, status, openedAt, keyId, closedAt, closedType, closedKeyId, closedMasked, closedDescription] = row;
  return {
    id: Number(id),
    organizationId: Number(organizationId),
    status: status as IncidentRow['status'],
    openedAt: toDate(openedAt as string)!,
    keyId: keyId === null ? null : Number(keyId),
    closedAt: toDate(closedAt as string),
    closedBy: closedType === null ? null : actorOf([closedType, closedKeyId, closedMasked, closedDescription]),
  };
}

/** The minute (UTC, seconds zero) an instant falls in. */
/** A record's values in RECORD_COLUMNS' order, `incident` in the incident's place. */
function recordValues(row: NewDeprovisioning, incident: number | null): unknown[] {
  const key = 'keyId' in row.actor ? row.actor : null;
  return [
    row.organizationId,
    row.userId,
    row.kind,
    toDbDate(row.at),
    row.actor.type,
    key?.keyId ?? null,
    key?.maskedKey ?? null,
    key?.description ?? null,
    incident,
    row.prior.wasActive ? 1 : 0,
    row.prior.roleId,
    row.prior.ownRoleId,
    row.prior.roleGroupId,
  ];
}

function minuteOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 60_000) * 60_000);
}
