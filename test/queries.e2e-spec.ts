import {
  AttributeDefinition,
  CORE_GROUP_SCHEMA,
  CORE_USER_ATTRIBUTES,
  ENTERPRISE_USER_ATTRIBUTES,
  ENTERPRISE_USER_SCHEMA,
  filterToSql,
  GROUP_SCHEMAS,
  lookupAttribute,
  parseFilter,
  sortToSql,
} from '@app/scim-protocol';
import { DeprovisioningsRepository } from '../apps/server/src/deprovisioning/deprovisionings.repository';
import { INestApplicationContext } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'typeorm';
import ts from 'typescript';
import { ApiKeysRepository } from '../apps/server/src/api-keys/api-keys.repository';
import { AuditEvent } from '../apps/server/src/audit/audit-event.entity';
import { AuditFailureCountsRepository } from '../apps/server/src/audit/audit-failure-counts.repository';
import { AuditRepository } from '../apps/server/src/audit/audit.repository';
import { Group } from '../apps/server/src/groups/group.entity';
import { GroupsRepository } from '../apps/server/src/groups/groups.repository';
import { RoleMappingsRepository } from '../apps/server/src/groups/role-mappings.repository';
import { NotificationRecipientsRepository } from '../apps/server/src/notifications/notification-recipients.repository';
import { RemindersRepository } from '../apps/server/src/notifications/reminders.repository';
import { SystemFlagsRepository } from '../apps/server/src/onboarding/system-flags.repository';
import { ServerSecretsRepository } from '../apps/server/src/cursors/server-secrets.repository';
import { OrganizationsRepository } from '../apps/server/src/organizations/organizations.repository';
import { ScimHealthStatesRepository } from '../apps/server/src/scim-health/scim-health-states.repository';
import { ScimTrafficRepository } from '../apps/server/src/scim-health/scim-traffic.repository';
import { NewScimRequest, ScimRequestsRepository } from '../apps/server/src/scim-requests/scim-requests.repository';
import { RolesRepository } from '../apps/server/src/users/roles.repository';
import { UserCountsRepository } from '../apps/server/src/users/user-counts.repository';
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
 *
 * Every public method of every `*.repository.ts` under apps/server/src has a section of its own, named
 * `<Repository>.<method>` (a note may follow). The suite knows which method sent each statement: it
 * wraps the methods of the app's repository instances, and a section is refused unless its statements
 * all come from the one method its title names. A public method that no section calls fails
 * "should call every public method of every repository", by name: add a `record` call for it below,
 * with parameters like the ones its service passes.
 */

const SNAPSHOT_DIR = join(__dirname, 'queries');
const SERVER_SRC = join(__dirname, '..', 'apps', 'server', 'src');
const CONTROL = /^(BEGIN|START TRANSACTION|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b/i;
/** Nest's lifecycle hooks: public, but Nest calls them, and they send no statement of their own. */
const LIFECYCLE_HOOKS = new Set([
  'onModuleInit',
  'onModuleDestroy',
  'onApplicationBootstrap',
  'beforeApplicationShutdown',
  'onApplicationShutdown',
]);

/** A repository class as its source declares it. */
interface RepositorySource {
  /** Relative to apps/server/src. */
  file: string;
  name: string;
  /** Its public methods (not private, protected or static; Nest's lifecycle hooks aside). */
  methods: string[];
}

/**
 * The exported classes of every `*.repository.ts` under apps/server/src and their public methods,
 * read from the source: `private` is TypeScript's and gone at run time.
 */
function repositorySources(): RepositorySource[] {
  const files = readdirSync(SERVER_SRC, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.repository.ts'))
    .sort();
  return files.flatMap((file) => {
    const source = ts.createSourceFile(file, readFileSync(join(SERVER_SRC, file), 'utf8'), ts.ScriptTarget.Latest, true);
    const classes = source.statements.filter(
      (s): s is ts.ClassDeclaration =>
        ts.isClassDeclaration(s) && s.name !== undefined && (ts.getCombinedModifierFlags(s) & ts.ModifierFlags.Export) !== 0,
    );
    if (!classes.length) throw new Error(`${file} exports no class: a repository file holds a repository`);
    return classes.map((c) => ({ file, name: c.name!.text, methods: c.members.flatMap(publicMethodName) }));
  });
}

function publicMethodName(member: ts.ClassElement): string[] {
  const callable =
    ts.isMethodDeclaration(member) ||
    (ts.isPropertyDeclaration(member) &&
      member.initializer !== undefined &&
      (ts.isArrowFunction(member.initializer) || ts.isFunctionExpression(member.initializer)));
  if (!callable || !ts.isIdentifier(member.name)) return [];
  const hidden = ts.ModifierFlags.Private | ts.ModifierFlags.Protected | ts.ModifierFlags.Static;
  if (ts.getCombinedModifierFlags(member) & hidden || LIFECYCLE_HOOKS.has(member.name.text)) return [];
  return [member.name.text];
}

/** A section being recorded: the repository methods its work called, and the statements they sent. */
interface Recording {
  called: Set<string>;
  statements: Array<{ sql: string; method: string | undefined }>;
}

/** Inside `record`: the recording, and the outermost repository method running (`Repository.method`), if any. */
const context = new AsyncLocalStorage<{ recording: Recording; method?: string }>();

/** Keeps the statements sent inside `record` (a scheduled job's statements have no context and are left out). */
class RecordingLogger implements Logger {
  logQuery(query: string): void {
    const current = context.getStore();
    if (current && !CONTROL.test(query.trim())) current.recording.statements.push({ sql: query.trim(), method: current.method });
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/**
 * Wraps the public methods of the app's instance of each repository, so that a statement is known
 * by the method called from the test that sent it (a method calling another of its own repository,
 * or another repository, is still the outer one's). Outside `record` a wrapper only calls through.
 */
async function watchRepositories(app: INestApplicationContext, sources: RepositorySource[]): Promise<void> {
  for (const { file, name, methods } of sources) {
    const exported = (await import(join(SERVER_SRC, file))) as Record<string, new (...args: never[]) => unknown>;
    let instance: Record<string, (...args: unknown[]) => unknown>;
    try {
      instance = app.get(exported[name], { strict: false });
    } catch (error) {
      throw new Error(`${name} (${file}) is not a provider of the app`, { cause: error });
    }
    for (const method of methods) {
      const original = instance[method];
      const qualified = `${name}.${method}`;
      instance[method] = function (this: unknown, ...args: unknown[]) {
        const current = context.getStore();
        if (!current || current.method) return original.apply(this, args);
        current.recording.called.add(qualified);
        return context.run({ recording: current.recording, method: qualified }, () => original.apply(this, args));
      };
    }
  }
}

/** Repository methods only MySQL/MariaDB calls (SQLite has no COMMIT round trip to save). */
const MYSQL_ONLY = ['DeprovisioningsRepository.insertAtCommit', 'DeprovisioningsRepository.windowAfterCommit'];

describe('the statements the repositories send', () => {
  let t: TestApp;
  const sources = repositorySources();
  const sections: string[] = [];
  /** `Repository.method` of every section recorded. */
  const exercised = new Set<string>();
  /** Sections whose title does not name the one repository method that sent their statements. */
  const misnamed: string[] = [];

  /**
   * Runs `work`, which calls one repository method (`title` names it: `Repository.method`, then a note
   * if any), and keeps the statements it sent under `title`.
   */
  async function record(title: string, work: () => Promise<unknown>): Promise<void> {
    const recording: Recording = { called: new Set(), statements: [] };
    await context.run({ recording }, work);
    const called = [...recording.called];
    const [method] = called;
    const stray = recording.statements.find((s) => s.method !== method);
    if (called.length !== 1) misnamed.push(`"${title}" calls ${called.join(', ') || 'no repository method'}: one per section`);
    else if (title !== method && !title.startsWith(`${method} `) && !title.startsWith(`${method}:`))
      misnamed.push(`"${title}" calls ${method}: name the section after it`);
    else if (stray) misnamed.push(`"${title}" sends a statement outside ${method}: ${stray.sql}`);
    else exercised.add(method);
    const statements = recording.statements.length ? recording.statements.map((s) => `${s.sql};`) : ['-- (none on this engine)'];
    sections.push(`-- ${title}\n${statements.join('\n')}\n`);
  }

  beforeAll(async () => {
    t = await startTestApp();
    await watchRepositories(t.app, sources);
    (t.dataSource as { logger: Logger }).logger = new RecordingLogger();
    await callEveryRepositoryMethod();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('should send the statements of test/queries/<dialect>.sql', () => {
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

  it('should name each section after the repository method that sent its statements', () => {
    expect(misnamed).toEqual([]);
  });

  it('should call every public method of every repository', () => {
    expect(sources.map((s) => s.name)).toEqual(expect.arrayContaining(['UsersRepository', 'GroupsRepository']));
    const methods = sources
      .flatMap((s) => s.methods.map((m) => `${s.name}.${m}`))
      .filter((m) => t.db.engine === 'mysql' || !MYSQL_ONLY.includes(m));
    // A name here is a public repository method whose statements the snapshot does not show: record a call of it.
    expect(methods.filter((m) => !exercised.has(m))).toEqual([]);
  });

  /** Calls every public repository method, with parameters like those of its callers, on the data it makes. */
  async function callEveryRepositoryMethod(): Promise<void> {
    const get = <T>(type: new (...args: never[]) => T): T => t.app.get(type, { strict: false });
    const users = get(UsersRepository);
    const roles = get(RolesRepository);
    const keys = get(ApiKeysRepository);
    const reminders = get(RemindersRepository);
    const organizations = get(OrganizationsRepository);
    const flags = get(SystemFlagsRepository);
    const groups = get(GroupsRepository);
    const mappings = get(RoleMappingsRepository);
    const org = await t.createOrganization('Queries', 'admin@queries.test');
    const organizationId = Number(org.organizationId);
    const userId = Number(org.adminUserId);
    const keyId = Number(org.apiKey.id);
    const now = new Date('2030-01-01T00:00:00.000Z');
    const manager = t.dataSource.manager;
    const inTransaction = <T>(work: (m: typeof manager) => Promise<T>): Promise<T> => t.dataSource.transaction(work);
    const newGroup = (displayName: string): Omit<Group, 'id'> => ({
      organizationId,
      displayName,
      displayNameLower: displayName.toLowerCase(),
      externalId: null,
      createdAt: now,
      updatedAt: now,
      version: 1,
    });

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
    await record('OrganizationsRepository.rename (in a transaction)', () =>
      inTransaction((m) => organizations.rename(m, organizationId, 'Queries Inc', now)),
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
    await record('RolesRepository.nameById', () => roles.nameById(manager, 1));
    await record('RolesRepository.namesByIds', () => roles.namesByIds(manager, [1, 2]));
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
    await record('RolesRepository.mappedGroups (in a transaction)', () => inTransaction((m) => roles.mappedGroups(m, custom.id)));
    await record('RolesRepository.delete', () => roles.delete(manager, organizationId, custom.id));

    // users: the SCIM hot paths
    await record('UsersRepository.findLive', () => users.findLive(organizationId, userId));
    await record('UsersRepository.findStored (locked, in a transaction)', () =>
      t.dataSource.transaction((m) => users.findStored(m, organizationId, userId, true)),
    );
    await record('UsersRepository.findByUserName', () => users.findByUserName(manager, organizationId, 'admin@queries.test'));
    await record('UsersRepository.findLiveByUserName', () => users.findLiveByUserName(organizationId, 'admin@queries.test'));
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
    await record('UsersRepository.insertUserInRole (a SCIM create)', () =>
      t.dataSource.transaction(async (m) => {
        const created = { ...user, userName: 'created@queries.test', userNameLower: 'created@queries.test' };
        expect(await users.insertUserInRole(m, created, 'employee')).toEqual({
          id: expect.any(Number),
          role: { id: expect.any(Number), name: 'Employee' },
        });
        expect(await users.insertUserInRole(m, { ...created, userNameLower: 'other@queries.test' }, 'no such role')).toBeNull();
      }),
    );
    await record('UsersRepository.updateUser', () => users.updateUser(manager, user, ['displayName', 'updatedAt', 'version']));
    await record('UsersRepository.updateUserAtCommit (in a transaction)', () =>
      inTransaction((m) => users.updateUserAtCommit(m, user, ['active', 'updatedAt', 'version'])),
    );
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
    await record('UsersRepository.countActiveInRole (in a transaction: the last-Admin rule)', () =>
      inTransaction((m) => users.countActiveInRole(m, organizationId, 1, userId)),
    );
    await record('UsersRepository.activeUserNamesInRole', () => users.activeUserNamesInRole(organizationId, 'admin'));

    // users: the rest of the admin API, the role rules and deletion (a group to be a member of, and a role it gives)
    const engineering = await inTransaction((m) => groups.insert(m, newGroup('Engineering')));
    await inTransaction((m) => groups.addMembers(m, engineering, [userId, user.id]));
    const finance = (await roles.findByName(manager, organizationId, 'finance'))!;
    const employee = (await roles.findByName(manager, organizationId, 'employee'))!;
    await record('UsersRepository.list: searching userName and displayName', () =>
      users.list(organizationId, { afterId: 0, size: 51, containsLower: 'new' }),
    );
    await record('UsersRepository.list: members of a group', () =>
      users.list(organizationId, { afterId: 0, size: 51, groupId: engineering }),
    );
    await record('UsersRepository.search: groups.value eq (members of a group)', () =>
      users.search(organizationId, { filter: parseFilter(`groups.value eq "${engineering}"`), offset: 0, limit: 100 }),
    );
    await record('UsersRepository.roleStates (in a transaction)', () =>
      inTransaction((m) => users.roleStates(m, organizationId, [userId, user.id])),
    );
    await record("UsersRepository.setRoles: a group's role, the effective role changes", () =>
      inTransaction((m) =>
        users.setRoles(m, [user.id], { roleId: finance.id, ownRoleId: employee.id, roleGroupId: engineering }, now),
      ),
    );
    await record('UsersRepository.setRoles: the role behind it only', () =>
      inTransaction((m) => users.setRoles(m, [user.id], { roleId: finance.id, ownRoleId: employee.id, roleGroupId: null }, null)),
    );
    await record('UsersRepository.groupNames', () => users.groupNames([engineering]));
    // deprovisioning: what a deactivation or deletion records before it (the burst check, the record with a copy of
    // the user's groups), incidents, and what the safety net reads
    const deprovisionings = get(DeprovisioningsRepository);
    const prior = { wasActive: true, roleId: finance.id, ownRoleId: employee.id, roleGroupId: engineering };
    const scimActor = { type: 'scim-key' as const, keyId, maskedKey: 'torii_scim_…abcd', description: 'Okta' };
    await record('DeprovisioningsRepository.windowState (in a transaction: the burst check of a SCIM deprovisioning)', () =>
      inTransaction((m) => deprovisionings.windowState(m, organizationId, now, user.id)),
    );
    if (t.db.engine === 'mysql') {
      // MySQL/MariaDB's SCIM deprovisioning: sent with the COMMIT, the window read after it in the same round trip
      // (here, outside TransactionRunner, each runs at once).
      await record('DeprovisioningsRepository.insertAtCommit (MySQL/MariaDB: a SCIM deprovisioning, with the COMMIT)', () =>
        inTransaction((m) =>
          deprovisionings.insertAtCommit(
            m,
            { organizationId, userId: user.id, kind: 'deactivated', at: now, actor: scimActor, prior },
            now,
            true,
          ),
        ),
      );
      await record(
        'DeprovisioningsRepository.insertAtCommit (MySQL/MariaDB: a SCIM deprovisioning of a user in two groups while an incident is open)',
        () =>
          inTransaction((m) =>
            deprovisionings.insertAtCommit(
              m,
              {
                organizationId,
                userId: user.id,
                kind: 'deactivated',
                at: now,
                actor: scimActor,
                prior,
                groupIds: [engineering, engineering + 1],
              },
              now,
              false,
            ),
          ),
      );
      await record('DeprovisioningsRepository.windowAfterCommit (MySQL/MariaDB: right after that COMMIT)', () =>
        inTransaction((m) => deprovisionings.windowAfterCommit(m, organizationId, now)),
      );
    }
    await record('DeprovisioningsRepository.activeUsers (in a transaction: a window holds a burst)', () =>
      inTransaction((m) => deprovisionings.activeUsers(organizationId, m)),
    );
    let incidentId = 0;
    await record('DeprovisioningsRepository.openIncident (in a transaction)', () =>
      inTransaction(async (m) => (incidentId = (await deprovisionings.openIncident(m, organizationId, now, keyId))!)),
    );
    await record('DeprovisioningsRepository.openIncidentId (in a transaction: another instance opened it first)', () =>
      inTransaction((m) => deprovisionings.openIncidentId(m, organizationId)),
    );
    await record('DeprovisioningsRepository.attachWindow (in a transaction)', () =>
      inTransaction((m) => deprovisionings.attachWindow(m, organizationId, incidentId, now)),
    );
    await record('DeprovisioningsRepository.insert (in a transaction, before the deletion below)', () =>
      inTransaction((m) =>
        deprovisionings.insert(m, {
          organizationId,
          userId: user.id,
          kind: 'deleted',
          at: now,
          actor: scimActor,
          incidentId: null,
          prior,
          counted: true,
        }),
      ),
    );
    await record(
      "DeprovisioningsRepository.insert with the user's groups as read in the transaction (SQLite's stored read)",
      () =>
        inTransaction((m) =>
          deprovisionings.insert(m, {
            organizationId,
            userId: user.id,
            kind: 'deactivated',
            at: now,
            actor: scimActor,
            incidentId: null,
            prior,
            counted: false,
            groupIds: [engineering],
          }),
        ),
    );
    await record('UsersRepository.deleteUser (in a transaction; the first write through SCIM also marks it managed)', () =>
      inTransaction((m) =>
        users.deleteUser(m, Object.assign(user, { deletedAt: now, userNameLower: null, version: 3, scimManaged: true }), [
          'scimManaged',
        ]),
      ),
    );
    await record('DeprovisioningsRepository.deletedUsers', () => deprovisionings.deletedUsers(organizationId, 0, 50));
    await record('DeprovisioningsRepository.latestDeletion (in a transaction: a restore)', () =>
      inTransaction((m) => deprovisionings.latestDeletion(m, user.id)),
    );
    await record('DeprovisioningsRepository.incidents', () => deprovisionings.incidents(organizationId, 50));
    await record('DeprovisioningsRepository.incident (locked, in a transaction: an undo or a dismissal)', () =>
      inTransaction((m) => deprovisionings.incident(organizationId, incidentId, m, true)),
    );
    await record('DeprovisioningsRepository.incidentUsers', () => deprovisionings.incidentUsers([incidentId]));
    await record('DeprovisioningsRepository.firstChanges (in a transaction: an undo)', () =>
      inTransaction((m) => deprovisionings.firstChanges(m, incidentId)),
    );
    await record('DeprovisioningsRepository.openSummary', () => deprovisionings.openSummary(organizationId));
    await record('DeprovisioningsRepository.alertsDue', () => deprovisionings.alertsDue(100));
    await record('DeprovisioningsRepository.claimAlert (in a transaction)', () =>
      inTransaction((m) => deprovisionings.claimAlert(m, incidentId)),
    );
    await record('DeprovisioningsRepository.closeIncident (in a transaction)', () =>
      inTransaction((m) => deprovisionings.closeIncident(m, incidentId, 'dismissed', scimActor, now)),
    );
    await record('UsersRepository.findIncludingDeleted (in a transaction: a restore)', () =>
      inTransaction((m) => users.findIncludingDeleted(m, organizationId, user.id)),
    );
    await record('DeprovisioningsRepository.due (the purge)', () => deprovisionings.due(now, 500));
    await record('DeprovisioningsRepository.pruneMinutes (the purge)', () => deprovisionings.pruneMinutes(now));
    await record('DeprovisioningsRepository.deleteRecords (the purge: history)', () => deprovisionings.deleteRecords([0]));
    await record('GroupsRepository.membershipsOf (in a transaction: a restore)', () =>
      inTransaction((m) => groups.membershipsOf(m, [user.id, userId])),
    );
    await record('UsersRepository.undeleteUser (in a transaction: a restore)', () =>
      inTransaction((m) =>
        users.undeleteUser(m, Object.assign(user, { deletedAt: null, userNameLower: 'new@queries.test', version: 4 }), [
          'version',
        ]),
      ),
    );
    await inTransaction((m) => users.deleteUser(m, Object.assign(user, { deletedAt: now, userNameLower: null, version: 5 })));
    await record('DeprovisioningsRepository.purgeUser (in a transaction: the purge)', () =>
      inTransaction((m) => deprovisionings.purgeUser(m, user.id, now)),
    );

    // user counts
    const counts = get(UserCountsRepository);
    await record('UserCountsRepository.addLive (in a transaction)', () =>
      inTransaction((m) => counts.addLive(m, organizationId, 1)),
    );
    await record('UserCountsRepository.live', () => counts.live(organizationId));

    // api keys
    const { id: _id, ...key } = (await keys.findLive(organizationId, keyId))!;
    await record('ApiKeysRepository.insert', () => keys.insert({ ...key, keyHash: 'f'.repeat(64) }));
    await record('ApiKeysRepository.listLive', () => keys.listLive(organizationId));
    await record('ApiKeysRepository.findLive', () => keys.findLive(organizationId, keyId));
    await record('ApiKeysRepository.findLiveByHash', () => keys.findLiveByHash('0'.repeat(64)));
    await record('ApiKeysRepository.touchLastUsed', () => keys.touchLastUsed(keyId, now, now));
    await record('ApiKeysRepository.lastUsedId', () => keys.lastUsedId(organizationId, 'scim'));
    await record('ApiKeysRepository.lastUsed', () => keys.lastUsed(organizationId, 'scim'));
    await record('ApiKeysRepository.updateDescription', () => keys.updateDescription(t.dataSource.manager, keyId, 'x'));
    await record('ApiKeysRepository.remindersDue', () => keys.remindersDue(now, null, 100));
    await record('ApiKeysRepository.remindersDue: after the previous batch', () =>
      keys.remindersDue(now, { dueAt: now, id: keyId }, 100),
    );
    await record('ApiKeysRepository.scheduleReminder', () => keys.scheduleReminder(keyId, now));
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
    await record('RemindersRepository.finish: sent, with its recipients and how it left', () =>
      reminders.finish(t.dataSource.manager, due, 'token', {
        status: 'sent',
        sentAt: now,
        attempts: 1,
        recipients: JSON.stringify(['admin@queries.test']),
        messageId: '<m@queries.test>',
        delivery: 'smtp',
        lastError: null,
        updatedAt: now,
      }),
    );
    await record('RemindersRepository.page', () => reminders.page(organizationId, 0, 51));
    await record('RemindersRepository.page: after a cursor', () => reminders.page(organizationId, 1000, 51));
    await record('RemindersRepository.insertAlert (in a transaction)', () =>
      inTransaction((m) =>
        reminders.insertAlert(m, {
          kind: 'scim-health',
          payload: JSON.stringify({ status: 'degraded', summary: '12 of 40 requests failed in the last 24 hours.' }),
          organizationId,
          apiKeyId: keyId,
          leadTime: 'health-1',
          expiresAt: now,
          status: 'pending',
          attempts: 0,
          nextAttemptAt: now,
          createdAt: now,
          updatedAt: now,
        }),
      ),
    );
    await record('RemindersRepository.countByStatus', () => reminders.countByStatus());

    // notification recipients
    const recipients = get(NotificationRecipientsRepository);
    await record('NotificationRecipientsRepository.replace (in a transaction)', () =>
      inTransaction((m) => recipients.replace(m, organizationId, ['ops@queries.test', 'Sec@queries.test'], now)),
    );
    await record('NotificationRecipientsRepository.list', () => recipients.list(organizationId));

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

    // audit: the log
    const audit = get(AuditRepository);
    const event: Omit<AuditEvent, 'id'> = {
      organizationId,
      occurredAt: now,
      action: 'user.updated',
      actorType: 'scim-key',
      actorKeyId: keyId,
      actorMaskedKey: 'torii_scim_…abcd',
      actorDescription: 'Okta',
      targetType: 'user',
      targetId: String(userId),
      targetDisplay: 'admin@queries.test',
      changes: JSON.stringify([{ attribute: 'title', from: null, to: 'CFO' }]),
      outcome: 'success',
      status: null,
      scimType: null,
      detail: null,
      requestId: 'req-1',
    };
    await record('AuditRepository.insert (in a transaction)', () => inTransaction((m) => audit.insert(m, [event])));
    await record('AuditRepository.insert: a change of several objects (in a transaction)', () =>
      inTransaction((m) => audit.insert(m, [event, { ...event, targetId: String(user.id), targetDisplay: 'new@queries.test' }])),
    );
    await record('AuditRepository.insertAlone: a failed request', () =>
      audit.insertAlone([
        {
          ...event,
          action: 'scim.request-failed',
          targetType: 'scim-request',
          targetId: null,
          targetDisplay: 'PATCH /scim/v2/Users/1',
          changes: null,
          outcome: 'failure',
          status: 409,
          scimType: 'uniqueness',
          detail: 'userName "admin@queries.test" is taken.',
        },
      ]),
    );
    await record('AuditRepository.page', () => audit.page(organizationId, { limit: 51 }));
    await record('AuditRepository.page: after a cursor, every filter', () =>
      audit.page(organizationId, {
        beforeId: 1000,
        limit: 51,
        action: 'user.updated',
        actorKeyId: keyId,
        targetType: 'user',
        targetId: String(userId),
        since: new Date(now.getTime() - 86_400_000),
        until: now,
        outcome: 'success',
      }),
    );
    await record('AuditRepository.exportWindow: an export of the last day', () =>
      audit.exportWindow(organizationId, { since: new Date(now.getTime() - 86_400_000), until: now }, 100),
    );
    await record('AuditRepository.lastFailures', () => audit.lastFailures(organizationId, [keyId]));
    await record('AuditRepository.prune: a batch of 2, both old', () => audit.prune(new Date(now.getTime() + 86_400_000), 2));

    // groups and their members
    let groupId = 0;
    await record('GroupsRepository.insert (in a transaction)', () =>
      inTransaction(async (m) => (groupId = await groups.insert(m, newGroup('Finance team')))),
    );
    await record('GroupsRepository.find', () => groups.find(organizationId, groupId));
    const group = (await groups.find(organizationId, groupId))!;
    await record('GroupsRepository.update (in a transaction)', () =>
      inTransaction((m) => groups.update(m, { ...group, externalId: 'okta-00g1', updatedAt: now, version: 2 })),
    );
    await record('GroupsRepository.liveUserIds (in a transaction)', () =>
      inTransaction((m) => groups.liveUserIds(m, organizationId, [user.id, userId])),
    );
    await record('GroupsRepository.addMembers (in a transaction)', () =>
      inTransaction((m) => groups.addMembers(m, groupId, [userId])),
    );
    await record('GroupsRepository.memberIds (in a transaction)', () => inTransaction((m) => groups.memberIds(m, groupId)));
    await record('GroupsRepository.members', () => groups.members([groupId, engineering]));
    await record('GroupsRepository.groupsOfUsers', () => groups.groupsOfUsers([userId]));
    await record('GroupsRepository.memberCount', () => groups.memberCount(groupId));
    await record('GroupsRepository.page', () => groups.page(organizationId, 0, 51));
    await record('GroupsRepository.search: first page, no filter', () =>
      groups.search(organizationId, { offset: 0, limit: 100 }),
    );
    await record("GroupsRepository.search: displayName eq (Okta's and Entra's lookup before a create)", () =>
      groups.search(organizationId, {
        filter: parseFilter('displayName eq "Finance Team"', GROUP_SCHEMAS),
        offset: 0,
        limit: 100,
      }),
    );
    await record('GroupsRepository.search: members.value eq (the groups of a user), sorted by displayName', () =>
      groups.search(organizationId, {
        filter: parseFilter(`members.value eq "${userId}"`, GROUP_SCHEMAS),
        sortBy: { schema: CORE_GROUP_SCHEMA, attribute: 'displayName' },
        sortOrder: 'descending',
        offset: 0,
        limit: 10,
      }),
    );
    await record("GroupsRepository.search: the next page of a walk (after the previous page's last id)", () =>
      groups.search(organizationId, { offset: 0, limit: 100, afterId: 100 }),
    );
    await record('GroupsRepository.search: count=0', () => groups.search(organizationId, { offset: 0, limit: 0 }));

    // role mappings
    let mappingId = 0;
    await record('RoleMappingsRepository.insert (in a transaction)', () =>
      inTransaction(async (m) => {
        mappingId = await mappings.insert(m, { organizationId, groupId, roleId: finance.id, priority: 10, now });
      }),
    );
    await record('RoleMappingsRepository.list', () => mappings.list(organizationId));
    await record('RoleMappingsRepository.find', () => mappings.find(manager, organizationId, mappingId));
    await record('RoleMappingsRepository.findByGroup (in a transaction)', () =>
      inTransaction((m) => mappings.findByGroup(m, groupId)),
    );
    await record('RoleMappingsRepository.rolesOfGroups', () => mappings.rolesOfGroups([groupId, engineering]));
    await record('RoleMappingsRepository.any (in a transaction)', () => inTransaction((m) => mappings.any(m, organizationId)));
    await record('RoleMappingsRepository.maxPriority (in a transaction)', () =>
      inTransaction((m) => mappings.maxPriority(m, organizationId)),
    );
    await record('RoleMappingsRepository.update (in a transaction)', () =>
      inTransaction((m) => mappings.update(m, mappingId, { roleId: finance.id, priority: 20, now })),
    );
    await record('RoleMappingsRepository.memberIds (in a transaction)', () =>
      inTransaction((m) => mappings.memberIds(m, groupId)),
    );
    await record('RoleMappingsRepository.grants (in a transaction)', () => inTransaction((m) => mappings.grants(m, [userId])));
    await record('RoleMappingsRepository.delete (in a transaction)', () => inTransaction((m) => mappings.delete(m, mappingId)));

    // groups: leaving and deleting
    await record('GroupsRepository.removeMembers (in a transaction)', () =>
      inTransaction((m) => groups.removeMembers(m, groupId, [userId])),
    );
    await record('GroupsRepository.removeAllMembers (in a transaction)', () =>
      inTransaction((m) => groups.removeAllMembers(m, engineering)),
    );
    await record('GroupsRepository.delete (in a transaction)', () => inTransaction((m) => groups.delete(m, groupId)));

    // SCIM traffic and connection health
    const traffic = get(ScimTrafficRepository);
    await record('ScimTrafficRepository.add', () =>
      traffic.add([{ organizationId, apiKeyId: keyId, minute: now, requests: 40, errors: 12 }]),
    );
    await record('ScimTrafficRepository.totals', () => traffic.totals(organizationId, new Date(now.getTime() - 86_400_000)));
    await record('ScimTrafficRepository.perMinute', () =>
      traffic.perMinute(organizationId, new Date(now.getTime() - 86_400_000)),
    );
    await record('ScimTrafficRepository.prune', () => traffic.prune(new Date(now.getTime() - 7 * 86_400_000), 500));

    // scim requests (the provisioning inspector)
    const scimRequests = get(ScimRequestsRepository);
    const scimRequest: NewScimRequest = {
      organizationId,
      at: now,
      method: 'PATCH',
      path: `/v1.0/scim/v2/Users/${userId}`,
      query: null,
      resourceType: 'Users',
      targetId: String(userId),
      status: 200,
      durationMs: 1.2,
      apiKeyId: keyId,
      keyMasked: 'torii_scim_…abcd',
      keyDescription: 'Okta',
      client: 'okta',
      userAgent: 'Okta SCIM Client 1.0.0',
      scimType: null,
      detail: null,
      requestId: 'req-1',
      requestBody: '{"Operations":[{"op":"replace","value":{"active":false}}]}',
      responseBody: '{"id":"1"}',
    };
    await record('ScimRequestsRepository.insert: a flush of two', () =>
      scimRequests.insert([scimRequest, { ...scimRequest, requestId: 'req-2' }]),
    );
    await record('ScimRequestsRepository.count', () => scimRequests.count(organizationId));
    await record('ScimRequestsRepository.firstBeyond', () => scimRequests.firstBeyond(organizationId, 9000));
    await record('ScimRequestsRepository.pruneOlderThan: the two, older than the age', () =>
      scimRequests.pruneOlderThan(new Date(now.getTime() + 3_600_000), 1000),
    );
    await record('ScimRequestsRepository.deleteOldest', () => scimRequests.deleteOldest(organizationId, 1000, 500));
    await record('ScimRequestsRepository.page', () => scimRequests.page(organizationId, { limit: 51 }));
    await record('ScimRequestsRepository.page: after a cursor, every filter', () =>
      scimRequests.page(organizationId, {
        beforeId: 1000,
        limit: 51,
        outcome: 'failure',
        method: 'PATCH',
        resourceType: 'Users',
        keyId,
        targetId: String(userId),
        requestId: 'req-1',
        since: new Date(now.getTime() - 86_400_000),
        until: now,
      }),
    );
    await record('ScimRequestsRepository.page: successes', () =>
      scimRequests.page(organizationId, { limit: 51, outcome: 'success' }),
    );
    await record('ScimRequestsRepository.findOne', () => scimRequests.findOne(organizationId, 1));
    const health = get(ScimHealthStatesRepository);
    await record('ScimHealthStatesRepository.markDue', () => health.markDue([organizationId], now));
    await record('ScimHealthStatesRepository.find', () => health.find(organizationId));
    await record('ScimHealthStatesRepository.unwatched', () => health.unwatched([organizationId, organizationId + 1]));
    await record('ScimHealthStatesRepository.dueAt', () => health.dueAt(now, null, 100));
    await record('ScimHealthStatesRepository.dueAt: after the previous batch', () =>
      health.dueAt(now, { at: now, organizationId }, 100),
    );
    await record('ScimHealthStatesRepository.silentSince', () => health.silentSince(now, null, 100));
    await record('ScimHealthStatesRepository.schedule', () =>
      health.schedule(organizationId, 1, { dueAt: null, lastUseAt: now, watchTraffic: false }),
    );
    await record('ScimHealthStatesRepository.transition (in a transaction)', () =>
      inTransaction((m) => health.transition(m, organizationId, 'unknown', 'degraded', now)),
    );
  }
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
