import { loadConfig } from '@app/config';
import { mkdtempSync, rmSync } from 'node:fs';
import { AsyncLocalStorage } from 'node:async_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, Logger } from 'typeorm';
import { AuditPruneCron } from '../apps/server/src/audit/audit-prune.cron';
import { JobRuns } from '../apps/server/src/common/job-runs';
import { toDate, toDbDate } from '../apps/server/src/common/db-values';
import { Deprovisioning } from '../apps/server/src/deprovisioning/deprovisioning.entity';
import { DeprovisioningIncident } from '../apps/server/src/deprovisioning/deprovisioning-incident.entity';
import { IncidentAlerts } from '../apps/server/src/notifications/incident-alerts';
import { RemindersService } from '../apps/server/src/notifications/reminders.service';
import { windowOpensAt } from '../apps/server/src/api-keys/reminder-windows';
import { DeletedUserPurgeCron } from '../apps/server/src/safety-net/deleted-user-purge.cron';
import { ScimHealthMonitor } from '../apps/server/src/scim-health/scim-health.monitor';
import { ScimTrafficService } from '../apps/server/src/scim-health/scim-traffic.service';
import { ScimRequestRecorder } from '../apps/server/src/scim-requests/scim-request-recorder.service';
import { Role } from '../apps/server/src/users/role.entity';
import { User } from '../apps/server/src/users/user.entity';
import { createTestDatabase, TestDatabase } from './support/database';
import { startTestApp, TestApp } from './support/test-app';

/*
 * Scale across tenants (issue 31): the scheduled jobs do work proportional to what is due, not to the
 * number of organizations, and start-up does nothing per organization. 10,000 organizations are
 * written straight to the database (each with a SCIM key used an hour ago that expires in 90 days,
 * its connection healthy as the monitor left it, an audit event); then each job runs with nothing
 * due and with 1% due, and the test counts the statements it sends (its own: a statement is counted
 * when it is sent from inside the job's run) and what it handled. Counts, not milliseconds: the
 * figures in time are in docs/performance.md.
 */

const ORGANIZATIONS = 10_000;
const DUE = ORGANIZATIONS / 100;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = new Date('2031-03-01T12:00:00.000Z');
const CONTROL = /^(BEGIN|START TRANSACTION|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b/i;

const context = new AsyncLocalStorage<string[]>();

/** Keeps the statements sent from inside `statementsOf` (not those of timers running meanwhile), and passes every call on. */
function countStatements(dataSource: DataSource): void {
  const logger = dataSource.logger;
  const original = logger.logQuery.bind(logger);
  logger.logQuery = (query, parameters, runner) => {
    const statements = context.getStore();
    if (statements && !CONTROL.test(query.trim())) statements.push(query.trim());
    return original(query, parameters, runner);
  };
}

async function statementsOf<T>(work: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const statements: string[] = [];
  const result = await context.run(statements, work);
  return { result, statements };
}

/** Rows in multi-row INSERTs of 500. */
async function insertRows(dataSource: DataSource, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    await dataSource.query(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ')}`,
      chunk.flat(),
    );
  }
}

describe('scheduled jobs over 10,000 organizations', () => {
  let t: TestApp;
  let outbox: string;
  const organizations: number[] = [];
  const keys = new Map<number, number>();
  const config = loadConfig({ REMINDER_LEAD_TIMES: '1M,7d', SCIM_SILENT_HOURS: '48' });
  const expiresAt = new Date(NOW.getTime() + 90 * DAY);

  const handled = (job: string) => t.app.get(JobRuns).all().get(job)?.lastHandled;
  const statuses = async (ids: number[]) => {
    const rows: Array<{ status: string }> = await t.dataSource.query(
      `SELECT status FROM scim_health_states WHERE organization_id IN (${ids.map(() => '?').join(', ')})`,
      ids,
    );
    return [...new Set(rows.map((r) => r.status))];
  };

  beforeAll(async () => {
    outbox = mkdtempSync(join(tmpdir(), 'torii-scale-outbox-'));
    t = await startTestApp({
      mail: loadConfig({ MAIL_OUTBOX_DIR: outbox }).mail,
      reminders: { ...config.reminders, schedulerEnabled: false },
      scimHealth: config.scimHealth,
    });
    t.clock.set(NOW);
    countStatements(t.dataSource);
    const at = toDbDate(NOW);
    const ds = t.dataSource;
    await insertRows(
      ds,
      'organizations',
      ['name', 'scim_enabled', 'created_at', 'updated_at'],
      Array.from({ length: ORGANIZATIONS }, (_, i) => [`Tenant ${i}`, 1, at, at]),
    );
    const ids: Array<{ id: number }> = await ds.query("SELECT id FROM organizations WHERE name LIKE 'Tenant %' ORDER BY id");
    organizations.push(...ids.map((r) => Number(r.id)));
    // Each organization's SCIM key, used an hour ago, expiring in 90 days: the reminder job looks at it when its month opens.
    const used = toDbDate(new Date(NOW.getTime() - HOUR));
    const month = toDbDate(windowOpensAt(expiresAt, config.reminders.leadTimes[0]));
    await insertRows(
      ds,
      'api_keys',
      [
        'organization_id',
        'type',
        'description',
        'key_hash',
        'key_last4',
        'created_at',
        'expires_at',
        'last_used_at',
        'first_used_at',
        'reminder_due_at',
      ],
      organizations.map((id) => [
        id,
        'scim',
        'Okta',
        String(id).padStart(64, 'f'),
        'abcd',
        at,
        toDbDate(expiresAt),
        used,
        used,
        month,
      ]),
    );
    const keyRows: Array<{ id: number; organization_id: number }> = await ds.query(
      "SELECT id, organization_id FROM api_keys WHERE type = 'scim' AND description = 'Okta'",
    );
    for (const r of keyRows) keys.set(Number(r.organization_id), Number(r.id));
    // Each connection healthy without a failure, as its last check left it: silent at the last use + 48 hours, nothing else to watch.
    await insertRows(
      ds,
      'scim_health_states',
      ['organization_id', 'status', 'transitions', 'changed_at', 'due_at', 'last_use_at', 'watch_traffic', 'version'],
      organizations.map((id) => [id, 'healthy', 1, at, null, used, 0, 1]),
    );
    // 1% of the audit log past the retention (the oldest ids), then one recent event per organization.
    const old = toDbDate(new Date(NOW.getTime() - (config.audit.retentionDays + 1) * DAY));
    const events = (when: string, ids: number[]) =>
      ids.map((id) => [id, when, 'api-key.created', 'system', 'api-key', 'success']);
    const eventColumns = ['organization_id', 'occurred_at', 'action', 'actor_type', 'target_type', 'outcome'];
    await insertRows(ds, 'audit_events', eventColumns, events(old, organizations.slice(0, DUE)));
    await insertRows(ds, 'audit_events', eventColumns, events(at, organizations));
  }, 300_000);

  afterAll(async () => {
    await t?.close();
    rmSync(outbox, { recursive: true, force: true });
  });

  afterEach(() => t.clock.set(NOW));

  describe('the connection health monitor', () => {
    it('should read two index ranges and check no organization when none is due', async () => {
      const { result, statements } = await statementsOf(() => t.app.get(ScimHealthMonitor).run());
      expect(result).toEqual([]);
      expect(handled('scim-health')).toBe(0);
      expect(statements).toHaveLength(2);
      expect(statements.every((s) => /^SELECT .* FROM scim_health_states WHERE (due_at|last_use_at) <= \?/.test(s))).toBe(true);
    });

    it('should turn silent exactly the 1% whose last use passed SCIM_SILENT_HOURS, on the first round after, and no other', async () => {
      const quiet = organizations.slice(0, DUE);
      const lastUse = new Date(NOW.getTime() - 47 * HOUR);
      const ids = quiet.map(() => '?').join(', ');
      await t.dataSource.query(`UPDATE api_keys SET last_used_at = ? WHERE organization_id IN (${ids})`, [
        toDbDate(lastUse),
        ...quiet,
      ]);
      await t.dataSource.query(`UPDATE scim_health_states SET last_use_at = ? WHERE organization_id IN (${ids})`, [
        toDbDate(lastUse),
        ...quiet,
      ]);
      const monitor = t.app.get(ScimHealthMonitor);
      t.clock.set(new Date(NOW.getTime() + HOUR - 1000)); // 47 h 59 min 59 s after the last use: not yet
      expect((await statementsOf(() => monitor.run())).statements).toHaveLength(2);
      expect(await statuses(quiet)).toEqual(['healthy']);

      t.clock.set(new Date(NOW.getTime() + HOUR + 1000));
      const { result, statements } = await statementsOf(() => monitor.run());
      expect(handled('scim-health')).toBe(DUE);
      expect(result.sort((a, b) => a - b)).toEqual(quiet);
      expect(await statuses(quiet)).toEqual(['silent']);
      expect(await statuses(organizations.slice(DUE))).toEqual(['healthy']);
      // Per organization checked: its status (3), its full view and alert on the change, its schedule; then the
      // outbox's delivery attempts (these organizations have nobody to email). Nothing per organization not due.
      expect(statements.length).toBeLessThan(DUE * 30);
      // Silent: only traffic changes it now, so the next round has nothing to do.
      expect((await statementsOf(() => monitor.run())).statements).toHaveLength(2);
    });

    it('should turn degraded exactly the organizations whose written traffic failed, and healthy again when the failures age out', async () => {
      const failing = organizations.slice(DUE, 2 * DUE);
      const traffic = t.app.get(ScimTrafficService);
      // Used just now (the guard records it), 5 of 10 requests failed.
      await t.dataSource.query(
        `UPDATE api_keys SET last_used_at = ? WHERE organization_id IN (${failing.map(() => '?').join(', ')})`,
        [toDbDate(NOW), ...failing],
      );
      for (const id of failing) for (let i = 0; i < 10; i++) traffic.count(id, keys.get(id)!, i % 2 === 0);
      // The minute's counts of 100 organizations: one INSERT, the 100 marked due in one statement, the prune.
      const flush = await statementsOf(() => traffic.flush());
      expect(flush.statements.length).toBeLessThanOrEqual(4);
      expect(handled('scim-traffic')).toBe(2 * DUE);

      const monitor = t.app.get(ScimHealthMonitor);
      const { result, statements } = await statementsOf(() => monitor.run());
      expect(handled('scim-health')).toBe(DUE);
      expect(result.sort((a, b) => a - b)).toEqual(failing);
      expect(await statuses(failing)).toEqual(['degraded']);
      expect(statements.length).toBeLessThan(DUE * 30);

      // Nothing changes before the failures leave the 24-hour window…
      t.clock.set(new Date(NOW.getTime() + 23 * HOUR));
      expect((await statementsOf(() => monitor.run())).statements).toHaveLength(2);
      // …and just after, exactly these are checked again and are healthy (no email for that).
      t.clock.set(new Date(NOW.getTime() + DAY + 60_000));
      expect((await statementsOf(() => monitor.run())).result).toEqual([]);
      expect(handled('scim-health')).toBe(DUE);
      expect(await statuses(failing)).toEqual(['healthy']);
    });

    it('should write a minute of traffic without a failure for healthy organizations without marking any', async () => {
      const busy = organizations.slice(5 * DUE, 6 * DUE);
      const traffic = t.app.get(ScimTrafficService);
      for (const id of busy) traffic.count(id, keys.get(id)!, false);
      const flush = await statementsOf(() => traffic.flush());
      // One INSERT, one read of which of them watch traffic (none), the prune.
      expect(flush.statements.filter((s) => /scim_health_states/.test(s))).toEqual([
        expect.stringMatching(/^SELECT organization_id FROM scim_health_states WHERE organization_id IN/),
      ]);
      expect((await statementsOf(() => t.app.get(ScimHealthMonitor).run())).statements).toHaveLength(2);
    });
    it('should not check again, for traffic without a failure, a busy organization whose few failures cannot make it degraded', async () => {
      const busy = organizations.slice(6 * DUE, 7 * DUE);
      const traffic = t.app.get(ScimTrafficService);
      const monitor = t.app.get(ScimHealthMonitor);
      // A failure among 100 requests: the minute is written, the organizations marked and checked (healthy).
      for (const id of busy) for (let i = 0; i < 100; i++) traffic.count(id, keys.get(id)!, i === 0);
      await traffic.flush();
      expect((await monitor.run()).filter((id) => busy.includes(id))).toEqual([]);
      expect(handled('scim-health')).toBe(DUE);
      expect(await statuses(busy)).toEqual(['healthy']);
      // The next minutes bring only successes: written, nobody marked, nothing to check.
      for (const id of busy) for (let i = 0; i < 100; i++) traffic.count(id, keys.get(id)!, false);
      const flush = await statementsOf(() => traffic.flush());
      expect(flush.statements.filter((s) => /^(INSERT|UPDATE) .*scim_health_states/.test(s))).toEqual([]);
      expect((await statementsOf(() => monitor.run())).statements).toHaveLength(2);
    });
  });

  describe('the expiry reminders', () => {
    it('should read one index range and the outbox when no key is due', async () => {
      const { result, statements } = await statementsOf(() => t.app.get(RemindersService).run());
      expect(result).toMatchObject({ recorded: 0, sent: [], retrying: [], failed: [] });
      expect(statements).toHaveLength(2);
      expect(handled('expiry-reminders')).toBe(0);
    });

    it('should look at exactly the 1% of keys whose window opened, record their reminders, and come back at the next window', async () => {
      const soon = organizations.slice(2 * DUE, 3 * DUE);
      const expiring = new Date(NOW.getTime() + 20 * DAY);
      // Keys generated today expiring in 20 days: due at once (inside their month already).
      await t.dataSource.query(
        `UPDATE api_keys SET expires_at = ?, reminder_due_at = ? WHERE organization_id IN (${soon.map(() => '?').join(', ')})`,
        [toDbDate(expiring), toDbDate(NOW), ...soon],
      );
      const reminders = t.app.get(RemindersService);
      const first = await statementsOf(() => reminders.run());
      expect(first.result.recorded).toBe(DUE);
      // 100 keys looked at, 100 outbox rows tried (nobody to email in these organizations: retried later).
      expect(handled('expiry-reminders')).toBe(2 * DUE);
      expect(first.result.retrying).toHaveLength(DUE);
      expect(first.statements.length).toBeLessThan(DUE * 20);
      const next: Array<{ at: Date | string }> = await t.dataSource.query(
        `SELECT DISTINCT reminder_due_at AS at FROM api_keys WHERE organization_id IN (${soon.map(() => '?').join(', ')})`,
        soon,
      );
      expect(next.map((r) => toDate(r.at))).toEqual([new Date(expiring.getTime() - 7 * DAY)]);

      expect((await statementsOf(() => reminders.run())).statements).toHaveLength(2);
      // When their 7-day window opens: exactly these keys again.
      t.clock.set(new Date(expiring.getTime() - 7 * DAY));
      const second = await reminders.run();
      expect(second.recorded).toBe(DUE);
    });
  });

  describe('the audit log pruning', () => {
    it('should delete exactly the 1% past the retention, then read one batch of ids when nothing is', async () => {
      const cron = t.app.get(AuditPruneCron);
      const first = await statementsOf(() => cron.run());
      expect(handled('audit-prune')).toBe(DUE);
      expect(first.statements).toHaveLength(2);
      const second = await statementsOf(() => cron.run());
      expect(handled('audit-prune')).toBe(0);
      expect(second.statements).toHaveLength(1);
    });
  });

  describe('the safety net', () => {
    it('should purge exactly the deleted users past the retention, and read one batch when none is', async () => {
      const purge = t.app.get(DeletedUserPurgeCron);
      expect((await statementsOf(() => purge.run())).statements).toHaveLength(2);
      expect(handled('deleted-user-purge')).toBe(0);

      const owners = organizations.slice(3 * DUE, 4 * DUE);
      const deletedAt = new Date(NOW.getTime() - (config.safetyNet.retentionDays + 1) * DAY);
      const roles = await t.dataSource.getRepository(Role).save(
        owners.map((organizationId) => ({
          organizationId,
          name: 'Employee',
          nameLower: 'employee',
          description: null,
          predefined: true,
          createdAt: NOW,
          updatedAt: NOW,
        })),
      );
      const users = await t.dataSource.getRepository(User).save(
        roles.map((role) => ({
          organizationId: role.organizationId,
          userName: `gone@${role.organizationId}.test`,
          userNameLower: `gone@${role.organizationId}.test`,
          roleId: role.id,
          active: false,
          createdAt: deletedAt,
          updatedAt: deletedAt,
          deletedAt,
          version: 2,
        })),
      );
      await t.dataSource.getRepository(Deprovisioning).insert(
        users.map((user) => ({
          organizationId: user.organizationId,
          userId: user.id,
          kind: 'deleted' as const,
          at: deletedAt,
          actorType: 'scim-key',
          wasActive: true,
          roleId: user.roleId,
        })),
      );
      const { result, statements } = await statementsOf(() => purge.run());
      expect(result.sort((a, b) => a - b)).toEqual(users.map((u) => u.id).sort((a, b) => a - b));
      expect(handled('deleted-user-purge')).toBe(DUE);
      expect(statements.length).toBeLessThan(DUE * 10);
    });

    it('should queue exactly the 1% of incidents whose alert is due, and read one index range when none is', async () => {
      const alerts = t.app.get(IncidentAlerts);
      expect((await statementsOf(() => alerts.run())).statements).toHaveLength(1);
      const opened = organizations.slice(4 * DUE, 5 * DUE);
      const incidents = await t.dataSource.getRepository(DeprovisioningIncident).save(
        opened.map((organizationId) => ({
          organizationId,
          status: 'open' as const,
          openSlot: 1,
          openedAt: NOW,
          keyId: keys.get(organizationId)!,
          alertDue: 1,
        })),
      );
      const { result, statements } = await statementsOf(() => alerts.run());
      expect(result.sort((a, b) => a - b)).toEqual(incidents.map((i) => i.id).sort((a, b) => a - b));
      expect(handled('incident-alerts')).toBe(DUE);
      expect(statements.length).toBeLessThan(DUE * 20);
      expect((await statementsOf(() => alerts.run())).statements).toHaveLength(1);
    });
  });

  describe("the inspector's pruning", () => {
    it('should read one batch of the oldest requests at most, whatever the number of organizations', async () => {
      const { statements } = await statementsOf(() => t.app.get(ScimRequestRecorder).flush());
      expect(statements.length).toBeLessThanOrEqual(1);
    });
  });

  describe('start-up', () => {
    let empty: TestDatabase;

    beforeAll(async () => {
      empty = await createTestDatabase();
      // The first start migrates the empty database; the start counted below finds it up to date.
      await (await startTestApp({}, empty)).close();
    });

    afterAll(async () => {
      await empty?.drop();
    });

    /** The statements a start of the server sends until it listens (the DataSource's logger counts them from its creation). */
    async function startStatements(db: TestDatabase): Promise<string[]> {
      const statements: string[] = [];
      const initialize = DataSource.prototype.initialize;
      const spy = jest.spyOn(DataSource.prototype, 'initialize').mockImplementation(function (this: DataSource) {
        const logger = this.logger;
        const counting: Logger = {
          ...logger,
          logQuery: (query, parameters, runner) => {
            if (!CONTROL.test(query.trim())) statements.push(query.trim());
            return logger.logQuery(query, parameters, runner);
          },
          logQueryError: logger.logQueryError.bind(logger),
          logQuerySlow: logger.logQuerySlow.bind(logger),
          logSchemaBuild: logger.logSchemaBuild.bind(logger),
          logMigration: logger.logMigration.bind(logger),
          log: logger.log.bind(logger),
        };
        (this as { logger: Logger }).logger = counting;
        return initialize.call(this);
      });
      try {
        const app = await startTestApp({}, db);
        await app.close();
      } finally {
        spy.mockRestore();
      }
      // MySQL's look for the migrations table names the database.
      const name = db.config.type === 'mysql' ? new URL(db.config.url).pathname.slice(1) : undefined;
      return name ? statements.map((s) => s.split(name).join('<database>')) : statements;
    }

    it('should send the same statements with 10,000 organizations as with none', async () => {
      const none = await startStatements(empty);
      const many = await startStatements(t.db);
      expect(many).toEqual(none);
      expect(many.length).toBeLessThan(20);
    });
  });
});
