import {
  AttributeDefinition,
  CORE_USER_ATTRIBUTES,
  ENTERPRISE_USER_ATTRIBUTES,
  ENTERPRISE_USER_SCHEMA,
  filterToSql,
  lookupAttribute,
  parseFilter,
  sortToSql,
} from '@app/scim-protocol';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'typeorm';
import { ApiKeysRepository } from '../apps/server/src/api-keys/api-keys.repository';
import { AuditFailureCountsRepository } from '../apps/server/src/audit/audit-failure-counts.repository';
import { RemindersRepository } from '../apps/server/src/notifications/reminders.repository';
import { SystemFlagsRepository } from '../apps/server/src/onboarding/system-flags.repository';
import { ServerSecretsRepository } from '../apps/server/src/cursors/server-secrets.repository';
import { OrganizationsRepository } from '../apps/server/src/organizations/organizations.repository';
import { RolesRepository } from '../apps/server/src/users/roles.repository';
import { UsersRepository } from '../apps/server/src/users/users.repository';
import { User } from '../apps/server/src/users/user.entity';
import { userSqlMapping } from '../apps/server/src/users/user-storage.mapping';
import { startTestApp, TestApp } from './support/test-app';

/*
 * Every statement the repositories send, per dialect, kept in test/queries/<dialect>.sql and
 * reviewed like code (as immich keeps server/src/queries/*.sql): a change to a repository, to the
 * storage mapping, to the filter translator or to TypeORM that changes a statement fails here and
 * shows up as a diff of that file in review. Regenerate the file of the engine under test with
 *
 *   UPDATE_QUERY_SNAPSHOTS=1 npm test -- test/queries.e2e-spec.ts
 *   UPDATE_QUERY_SNAPSHOTS=1 DATABASE_URL=mysql://root@127.0.0.1:3306/torii_test npm test -- test/queries.e2e-spec.ts
 *
 * Only the SQL text is kept (parameters differ from run to run); transaction control is left out.
 */

const SNAPSHOT_DIR = join(__dirname, 'queries');
const CONTROL = /^(BEGIN|START TRANSACTION|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b/i;

class RecordingLogger implements Logger {
  statements: string[] = [];
  logQuery(query: string): void {
    if (!CONTROL.test(query.trim())) this.statements.push(query.trim());
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

describe('the statements the repositories send', () => {
  let t: TestApp;
  const sections: string[] = [];
  const recorder = new RecordingLogger();

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  /** Runs `work` and keeps the statements it sent under `title`. */
  async function record(title: string, work: () => Promise<unknown>): Promise<void> {
    const logger = t.dataSource.logger;
    (t.dataSource as { logger: Logger }).logger = recorder;
    recorder.statements = [];
    try {
      await work();
    } finally {
      (t.dataSource as { logger: Logger }).logger = logger;
    }
    const statements = recorder.statements.length ? recorder.statements.map((s) => `${s};`) : ['-- (none on this engine)'];
    sections.push(`-- ${title}\n${statements.join('\n')}\n`);
  }

  it('should send the statements of test/queries/<dialect>.sql', async () => {
    const get = <T>(type: new (...args: never[]) => T): T => t.app.get(type, { strict: false });
    const users = get(UsersRepository);
    const roles = get(RolesRepository);
    const keys = get(ApiKeysRepository);
    const reminders = get(RemindersRepository);
    const organizations = get(OrganizationsRepository);
    const flags = get(SystemFlagsRepository);
    const org = await t.createOrganization('Queries', 'admin@queries.test');
    const organizationId = Number(org.organizationId);
    const userId = Number(org.adminUserId);
    const keyId = Number(org.apiKey.id);
    const now = new Date('2030-01-01T00:00:00.000Z');
    const manager = t.dataSource.manager;

    // organizations
    await record('OrganizationsRepository.insert', () =>
      organizations.insert(manager, { name: 'Other', scimEnabled: false, createdAt: now, updatedAt: now }),
    );
    await record('OrganizationsRepository.findById', () => organizations.findById(organizationId));
    await record('OrganizationsRepository.setScimEnabled', () =>
      organizations.setScimEnabled(t.dataSource.manager, organizationId, true, now),
    );
    await record('OrganizationsRepository.lockRow', () =>
      t.dataSource.transaction((m) => organizations.lockRow(m, organizationId)),
    );

    // system flags
    await record('SystemFlagsRepository.insert', () => flags.insert(manager, 'queries-test', now));
    await record('ServerSecretsRepository.findOrCreate', () =>
      get(ServerSecretsRepository).findOrCreate('queries-test', 'x', now),
    );

    // roles
    await record('RolesRepository.listWithUserCounts', () => roles.listWithUserCounts(organizationId));
    await record('RolesRepository.findById', () => roles.findById(organizationId, 1));
    await record('RolesRepository.findByName', () => roles.findByName(manager, organizationId, 'admin'));
    await record('RolesRepository.names', () => roles.names(manager, organizationId));
    const custom = await roles.insert(manager, {
      organizationId,
      name: 'Auditor',
      nameLower: 'auditor',
      description: null,
      predefined: false,
      createdAt: now,
      updatedAt: now,
    });
    await record('RolesRepository.insert', () =>
      roles.insert(manager, {
        organizationId,
        name: 'Finance',
        nameLower: 'finance',
        description: null,
        predefined: false,
        createdAt: now,
        updatedAt: now,
      }),
    );
    await record('RolesRepository.insertMany', () =>
      t.dataSource.transaction((m) =>
        roles.insertMany(m, [
          { organizationId, name: 'A', nameLower: 'a', description: null, predefined: false, createdAt: now, updatedAt: now },
          { organizationId, name: 'B', nameLower: 'b', description: null, predefined: false, createdAt: now, updatedAt: now },
        ]),
      ),
    );
    await record('RolesRepository.update', () =>
      roles.update(manager, organizationId, custom.id, { description: 'x', updatedAt: now }),
    );
    await record('RolesRepository.lockRow (in a transaction)', () =>
      t.dataSource.transaction((m) => roles.lockRow(m, organizationId, custom.id)),
    );
    await record('RolesRepository.countUsers (in a transaction)', () =>
      t.dataSource.transaction((m) => roles.countUsers(m, organizationId, custom.id)),
    );
    await record('RolesRepository.delete', () => roles.delete(manager, organizationId, custom.id));

    // users: the SCIM hot paths
    await record('UsersRepository.findLive', () => users.findLive(organizationId, userId));
    await record('UsersRepository.findStored (locked, in a transaction)', () =>
      t.dataSource.transaction((m) => users.findStored(m, organizationId, userId, true)),
    );
    await record('UsersRepository.findByUserName', () => users.findByUserName(manager, organizationId, 'admin@queries.test'));
    await record('UsersRepository.findByUserName (locked, in a transaction)', () =>
      t.dataSource.transaction((m) => users.findByUserName(m, organizationId, 'admin@queries.test', true)),
    );
    await record('UsersRepository.organizationSize (pricing a search)', () => users.organizationSize(organizationId));
    await record('UsersRepository.search: first page, no filter', () => users.search(organizationId, { offset: 0, limit: 100 }));
    await record('UsersRepository.search: a page past the first (OFFSET, the kept count)', () =>
      users.search(organizationId, { offset: 100, limit: 100 }),
    );
    await record("UsersRepository.search: the next page of a walk (after the previous page's last id)", () =>
      users.search(organizationId, { offset: 0, limit: 100, afterId: 100 }),
    );
    await record('UsersRepository.search: a filtered page of a walk (COUNT of the matches)', () =>
      users.search(organizationId, { filter: parseFilter('title pr'), offset: 0, limit: 100, afterId: 100 }),
    );
    await record('UsersRepository.search: userName eq (a unique-key read)', () =>
      users.search(organizationId, { filter: parseFilter('userName eq "admin@queries.test"'), offset: 0, limit: 100 }),
    );
    await record('UsersRepository.search: Entra\'s emails[type eq "work"].value eq, sorted by name.familyName', () =>
      users.search(organizationId, {
        filter: parseFilter('emails[type eq "work"].value eq "a@queries.test"'),
        sortBy: { schema: 'urn:ietf:params:scim:schemas:core:2.0:User', attribute: 'name', subAttribute: 'familyName' },
        sortOrder: 'descending',
        offset: 0,
        limit: 10,
      }),
    );
    await record('UsersRepository.search: co, pr, not, enterprise, sort by emails.value', () =>
      users.search(organizationId, {
        filter: parseFilter(
          'displayName co "x" or (externalId pr and not (urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "IT"))',
        ),
        sortBy: { schema: 'urn:ietf:params:scim:schemas:core:2.0:User', attribute: 'emails', subAttribute: 'value' },
        offset: 0,
        limit: 10,
      }),
    );
    await record('UsersRepository.search: count=0', () => users.search(organizationId, { offset: 0, limit: 0 }));
    const user = Object.assign(new User(), {
      ...(await users.findLive(organizationId, userId))!.user,
      userName: 'new@queries.test',
      userNameLower: 'new@queries.test',
    });
    await record('UsersRepository.insertUser', () =>
      t.dataSource.transaction(async (m) => (user.id = await users.insertUser(m, user))),
    );
    await record('UsersRepository.updateUser', () => users.updateUser(manager, user, ['displayName', 'updatedAt', 'version']));
    const value = {
      attribute: 'emails' as const,
      position: 0,
      value: 'New@queries.test',
      display: null,
      type: 'work',
      primary: true,
      formatted: null,
      streetAddress: null,
      locality: null,
      region: null,
      postalCode: null,
      country: null,
    };
    await record('UsersRepository.replaceValues (none before)', () => users.replaceValues(manager, user, [], [value]));
    const stored = (await users.findLive(organizationId, user.id))!.values;
    await record('UsersRepository.replaceValues (replacing)', () =>
      users.replaceValues(manager, user, stored, [{ ...value, type: 'home' }]),
    );

    // users: the admin API and the rules
    await record('UsersRepository.list', () => users.list(organizationId, { afterId: 0, size: 51 }));
    await record('UsersRepository.list: by state and role', () =>
      users.list(organizationId, { afterId: 0, size: 51, active: true, roleLower: 'admin' }),
    );
    await record('UsersRepository.list: members (all but one role)', () =>
      users.list(organizationId, { afterId: 0, size: 51, exceptRoleLower: 'employee' }),
    );
    await record('UsersRepository.countActiveInRole (in a transaction)', () =>
      t.dataSource.transaction((m) => users.countActiveInRole(m, organizationId, 1, userId)),
    );
    await record('UsersRepository.activeUserNamesInRole', () => users.activeUserNamesInRole(organizationId, 'admin'));

    // api keys
    const { id: _id, ...key } = (await keys.findLive(organizationId, keyId))!;
    await record('ApiKeysRepository.insert', () => keys.insert({ ...key, keyHash: 'f'.repeat(64) }));
    await record('ApiKeysRepository.listLive', () => keys.listLive(organizationId));
    await record('ApiKeysRepository.findLive', () => keys.findLive(organizationId, keyId));
    await record('ApiKeysRepository.findLiveByHash', () => keys.findLiveByHash('0'.repeat(64)));
    await record('ApiKeysRepository.touchLastUsed', () => keys.touchLastUsed(keyId, now, now));
    await record('ApiKeysRepository.updateDescription', () => keys.updateDescription(t.dataSource.manager, keyId, 'x'));
    await record('ApiKeysRepository.expiringBetween', () => keys.expiringBetween(now, now));
    await record('ApiKeysRepository.findByIds', () => keys.findByIds([keyId, keyId + 1]));
    await record('ApiKeysRepository.claimSuccessor (in a transaction)', () =>
      t.dataSource.transaction((m) => keys.claimSuccessor(m, keyId, keyId + 1, now)),
    );
    await record('ApiKeysRepository.softDelete', () => keys.softDelete(t.dataSource.manager, keyId, now));

    // reminders
    await record('RemindersRepository.insertIgnoringDuplicates', () =>
      reminders.insertIgnoringDuplicates([
        {
          organizationId,
          apiKeyId: keyId,
          leadTime: '1M',
          expiresAt: now,
          status: 'pending',
          attempts: 0,
          nextAttemptAt: now,
          createdAt: now,
          updatedAt: now,
        },
      ]),
    );
    await record('RemindersRepository.recordedFor', () => reminders.recordedFor([keyId]));
    await record('RemindersRepository.supersedePending', () => reminders.supersedePending(keyId, '7d', now));
    await record('RemindersRepository.dueIds', () => reminders.dueIds(now, 100));
    const [due] = await reminders.dueIds(now, 100);
    await record('RemindersRepository.claim', () => reminders.claim(due, 'token', now, now));
    await record('RemindersRepository.findById', () => reminders.findById(due));
    await record('RemindersRepository.finish', () =>
      reminders.finish(t.dataSource.manager, due, 'token', { status: 'sent', updatedAt: now }),
    );
    await record('RemindersRepository.page', () => reminders.page(organizationId, 0, 51));
    await record('RemindersRepository.page: after a cursor', () => reminders.page(organizationId, 1000, 51));

    // audit: failed requests counted per key, status and minute
    const failureCounts = get(AuditFailureCountsRepository);
    const count = {
      actorKeyId: keyId,
      status: 403,
      minute: now,
      organizationId,
      actorType: 'api-key',
      actorMaskedKey: 'torii_api_…abcd',
      actorDescription: null,
      scimType: null,
      detail: 'Refused.',
      failures: 1,
    };
    await record('AuditFailureCountsRepository.countOne', () => failureCounts.countOne(count, 10));
    await record('AuditFailureCountsRepository.add', () => failureCounts.add([{ ...count, failures: 5 }]));
    const later = new Date(now.getTime() + 120_000);
    await record('AuditFailureCountsRepository.dropRecorded', () => failureCounts.dropRecorded(later));
    await record('AuditFailureCountsRepository.unrecorded', () => failureCounts.unrecorded(later, 100));
    const [unrecorded] = await failureCounts.unrecorded(later, 100);
    await record('AuditFailureCountsRepository.take (in a transaction)', () =>
      t.dataSource.transaction((m) => failureCounts.take(m, unrecorded)),
    );

    const dialect = t.db.engine;
    const file = join(SNAPSHOT_DIR, `${dialect}.sql`);
    const actual = `-- Statements of the repositories on ${dialect}; generated by test/queries.e2e-spec.ts.\n\n${sections.join('\n')}`;
    if (process.env.UPDATE_QUERY_SNAPSHOTS === '1' || (!existsSync(file) && !process.env.CI)) {
      mkdirSync(SNAPSHOT_DIR, { recursive: true });
      writeFileSync(file, actual);
    }
    expect(existsSync(file)).toBe(true);
    // A failure here means a statement changed: review the diff, then regenerate (see the top of this file).
    expect(actual).toBe(readFileSync(file, 'utf8'));
  });
});

describe('case-insensitive comparisons', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t?.close();
  });

  /** Every stored text attribute and sub-attribute of the User schemas that compares case-insensitively. */
  function caseInsensitivePaths(): string[] {
    const paths: string[] = [];
    const visit = (prefix: string, defs: readonly AttributeDefinition[]) => {
      for (const def of defs) {
        if (def.subAttributes) visit(`${prefix}${def.name}.`, def.subAttributes);
        else if ((def.type === 'string' || def.type === 'reference') && !def.caseExact && def.mutability !== 'writeOnly')
          paths.push(`${prefix}${def.name}`);
      }
    };
    visit('', CORE_USER_ATTRIBUTES);
    visit(`${ENTERPRISE_USER_SCHEMA}:`, ENTERPRISE_USER_ATTRIBUTES);
    return paths.filter((p) => !/^(meta|groups)\./.test(p));
  }

  it('should compare stored lower-cased text, never LOWER() on every row', () => {
    const mapping = userSqlMapping(t.dataSource);
    const paths = caseInsensitivePaths();
    expect(paths.length).toBeGreaterThan(30);
    for (const path of paths) {
      for (const op of ['eq', 'co', 'sw', 'ew', 'gt']) {
        const { sql } = filterToSql(parseFilter(`${path} ${op} "Ab"`), mapping);
        // LOWER() may only stand in for a twin that is NULL (a value whose lower-cased form is too long for it).
        expect({ path, op, sql: sql.replace(/COALESCE\(\S+, LOWER\(\S+\)\)/g, 'twin') }).not.toEqual(
          expect.objectContaining({ sql: expect.stringContaining('LOWER(') }),
        );
      }
      const found = lookupAttribute(path);
      if (found.kind !== 'attribute') throw new Error(`${path} is not an attribute`);
      const order = sortToSql(found.resolved.path, 'ascending', mapping).sql;
      expect({ path, order: order.replace(/COALESCE\(\S+, LOWER\(\S+\)\)/g, 'twin') }).not.toEqual(
        expect.objectContaining({ order: expect.stringContaining('LOWER(') }),
      );
    }
  });
});
