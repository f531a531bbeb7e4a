import { get } from 'node:http';
import type { Logger } from 'typeorm';
import { client } from './support/http';
import { PATCH_OP, scimOrganization, ScimOrganization } from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

/*
 * Bounded work on the main thread (contract §9): no single legal request holds the event loop long
 * enough to slow another organization. What one request may do is bounded and refused beyond with
 * 400 tooMany and a sentence; what is accepted writes per change, not per element named; an export
 * gives the event loop back between windows of the log, and only a few stream at once. The figures
 * (how long the largest accepted requests hold the event loop) are in docs/performance.md.
 */
describe('bounded work on the main thread', () => {
  let t: TestApp;
  let o: ScimOrganization;
  let other: ScimOrganization;
  const users: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    o = await scimOrganization(t, 'Bounded');
    other = await scimOrganization(t, 'Elsewhere');
    for (let start = 0; start < 100; start += 25) {
      const created = await Promise.all(
        Array.from({ length: 25 }, (_, i) => o.scim.post('/Users', { body: { userName: `b${start + i}@bounded.test` } })),
      );
      users.push(...created.map((r) => r.body.id as string));
    }
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  const patchBody = (Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });
  const addOne = (value: string) => ({ op: 'add', path: 'members', value: [{ value }] });

  /** The statements the server sent while `work` ran (transaction control left out). */
  async function statementsOf(work: () => Promise<unknown>): Promise<string[]> {
    const statements: string[] = [];
    const recorder: Logger = {
      logQuery: (query: string) => {
        if (!/^(BEGIN|START TRANSACTION|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|ROLLBACK TO)\b/i.test(query.trim()))
          statements.push(query.trim());
      },
      logQueryError: () => undefined,
      logQuerySlow: () => undefined,
      logSchemaBuild: () => undefined,
      logMigration: () => undefined,
      log: () => undefined,
    };
    const logger = t.dataSource.logger;
    (t.dataSource as { logger: Logger }).logger = recorder;
    try {
      await work();
    } finally {
      (t.dataSource as { logger: Logger }).logger = logger;
    }
    return statements;
  }

  it('should refuse a PATCH of more than 100 operations, of a User or a Group, with tooMany, changing nothing', async () => {
    const group = (await o.scim.post('/Groups', { body: { displayName: 'Many operations' } })).body;
    const refused = await o.scim.patch(`/Groups/${group.id}`, {
      body: patchBody(
        users
          .slice(0, 100)
          .map(addOne)
          .concat([addOne(users[0])]),
      ),
    });
    expect(refused.status).toBe(400);
    expect(refused.body.scimType).toBe('tooMany');
    expect(refused.body.detail).toBe(
      'The PATCH has 101 operations; this server applies at most 100 in one request. Send the rest in another PATCH, or several members in one operation.',
    );
    expect((await o.scim.get(`/Groups/${group.id}`)).body.meta.version).toBe(group.meta.version);

    const titles = (n: number) => Array.from({ length: n }, (_, i) => ({ op: 'replace', path: 'title', value: `Title ${i}` }));
    const user = await o.scim.patch(`/Users/${users[0]}`, { body: patchBody(titles(101)) });
    expect(user.status).toBe(400);
    expect(user.body.scimType).toBe('tooMany');
    expect(user.body.detail).toContain('at most 100 in one request');
    const applied = await o.scim.patch(`/Users/${users[0]}`, { body: patchBody(titles(100)) });
    expect(applied.status).toBe(200);
    expect(applied.body.title).toBe('Title 99');
  });

  it('should refuse a request that names more than 10,000 members with tooMany, before reading them', async () => {
    const group = (await o.scim.post('/Groups', { body: { displayName: 'Too many members' } })).body;
    const many = Array.from({ length: 10_001 }, (_, i) => ({ value: String(1_000_000 + i) }));
    const patched = await o.scim.patch(`/Groups/${group.id}`, {
      body: patchBody([{ op: 'add', path: 'members', value: many }]),
    });
    expect(patched.status).toBe(400);
    expect(patched.body.scimType).toBe('tooMany');
    expect(patched.body.detail).toBe(
      'The PATCH names 10,001 members; this server takes at most 10,000 in one request. Send the rest in another PATCH.',
    );
    const put = await o.scim.put(`/Groups/${group.id}`, { body: { displayName: 'Too many members', members: many } });
    expect(put.status).toBe(400);
    expect(put.body.scimType).toBe('tooMany');
  });

  it('should write 100 one-member additions as one change, not one per operation', async () => {
    const group = (await o.scim.post('/Groups', { body: { displayName: 'One at a time' } })).body;
    let status = 0;
    const statements = await statementsOf(async () => {
      status = (await o.scim.patch(`/Groups/${group.id}`, { body: patchBody(users.slice(0, 100).map(addOne)) })).status;
    });
    expect(status).toBe(204);
    expect(statements.filter((s) => /INSERT (OR )?IGNORE INTO group_members/i.test(s))).toHaveLength(1);
    expect(statements.length).toBeLessThan(20);
    const members = (await o.scim.get(`/Groups/${group.id}`)).body.members.map((m: { value: string }) => m.value);
    expect(members.sort()).toEqual([...users].sort());
  });

  const isDestroyed = (error: Error) =>
    (error as { code?: string }).code === 'ECONNRESET' || /aborted|socket hang up/i.test(error.message);

  it("should run an organization's large membership changes one at a time, and another's at once", async () => {
    const big = await scimOrganization(t, 'Large changes');
    const members: string[] = [];
    for (let start = 0; start < 1_000; start += 50) {
      const created = await Promise.all(
        Array.from({ length: 50 }, (_, i) => big.scim.post('/Users', { body: { userName: `l${start + i}@large.test` } })),
      );
      members.push(...created.map((r) => r.body.id as string));
    }
    const [a, b] = await Promise.all(
      ['First', 'Second'].map(
        async (displayName) => (await big.scim.post('/Groups', { body: { displayName } })).body.id as string,
      ),
    );
    // Which group's members each INSERT writes, and each COMMIT, in the order the server sent them.
    const sent: string[] = [];
    const recorder: Logger = {
      logQuery: (query: string, parameters?: unknown[]) => {
        if (/INSERT (OR )?IGNORE INTO group_members/i.test(query)) sent.push(`insert ${String(parameters?.[0])}`);
        else if (/\bCOMMIT\s*$/i.test(query.trim())) sent.push('commit');
      },
      logQueryError: () => undefined,
      logQuerySlow: () => undefined,
      logSchemaBuild: () => undefined,
      logMigration: () => undefined,
      log: () => undefined,
    };
    const logger = t.dataSource.logger;
    (t.dataSource as { logger: Logger }).logger = recorder;
    let statuses: number[];
    try {
      const add = (id: string) =>
        big.scim.patch(`/Groups/${id}`, {
          body: patchBody([{ op: 'add', path: 'members', value: members.map((value) => ({ value })) }]),
        });
      statuses = (await Promise.all([add(a), add(b)])).map((r) => r.status);
    } finally {
      (t.dataSource as { logger: Logger }).logger = logger;
    }
    expect(statuses).toEqual([204, 204]);
    // One change committed before the other started: never both in one transaction (SQLite's group commit) or interleaved.
    const steps = sent.slice(sent.findIndex((step) => step.startsWith('insert'))).filter((step, i, all) => step !== all[i - 1]);
    const oneThenOther = (first: string, second: string) =>
      [`insert ${first}`, 'commit', `insert ${second}`, 'commit'].join(', ');
    expect([oneThenOther(a, b), oneThenOther(b, a)]).toContain(steps.join(', '));
  }, 60_000);

  /** Events of an organization written straight to the table, as many changes would leave them. */
  async function seedEvents(organizationId: string, count: number, at = '2030-01-01 00:00:00.000'): Promise<void> {
    for (let start = 0; start < count; start += 500) {
      const n = Math.min(500, count - start);
      await t.dataSource.query(
        `INSERT INTO audit_events (organization_id, occurred_at, action, actor_type, target_type, target_id, outcome) VALUES ${Array.from(
          { length: n },
          () => `(?, '${at}', 'user.updated', 'system', 'user', ?, 'success')`,
        ).join(', ')}`,
        Array.from({ length: n }, (_, i) => [Number(organizationId), String(start + i)]).flat(),
      );
    }
  }

  it("should answer another organization's request while an export streams", async () => {
    const exporter = await scimOrganization(t, 'Exporter');
    await seedEvents(exporter.org.organizationId, 3_000);
    // The other organization's connection is open and its path warm: what it waits for is the event loop.
    expect((await other.admin.get('/v1.0/organization')).status).toBe(200);
    const order: string[] = [];
    const response = await fetch(`${t.url}/v1.0/audit-log/export?format=csv`, {
      headers: { authorization: `Bearer ${exporter.org.apiKey.key}` },
    });
    expect(response.status).toBe(200);
    const exported = response.text().then((text) => {
      order.push('export');
      return text;
    });
    const answered = other.admin.get('/v1.0/organization').then((r) => {
      order.push('other');
      return r;
    });
    const [text, reply] = await Promise.all([exported, answered]);
    expect(reply.status).toBe(200);
    expect(text.trim().split('\r\n').length).toBeGreaterThan(3_000);
    expect(order).toEqual(['other', 'export']);
  });

  it('should read only the end of the log for an export since a recent time', async () => {
    // The log as time writes it: the organization set up in 2019, 3,000 events of 2020, one of today.
    t.clock.set('2019-06-01T12:00:00.000Z');
    let exporter: ScimOrganization;
    try {
      exporter = await scimOrganization(t, 'Since');
      await seedEvents(exporter.org.organizationId, 3_000, '2020-01-01 00:00:00.000');
      t.clock.set('2026-06-01T12:00:00.000Z');
      expect((await exporter.scim.post('/Users', { body: { userName: 'recent@since.test' } })).status).toBe(201);
    } finally {
      t.clock.reset();
    }
    let text = '';
    const statements = await statementsOf(async () => {
      const response = await fetch(`${t.url}/v1.0/audit-log/export?format=ndjson&since=2026-06-01T00:00:00Z`, {
        headers: { authorization: `Bearer ${exporter.org.apiKey.key}` },
      });
      text = await response.text();
    });
    expect(
      text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).action),
    ).toEqual(['user.created']);
    // One window (its edge, its rows), not the 30 that hold the 3,000 older events.
    expect(statements.filter((s) => /FROM audit_events/.test(s))).toHaveLength(2);
  });

  it('should stream two exports of an organization at once and refuse a third with 429 and Retry-After', async () => {
    const exporter = await scimOrganization(t, 'Exports');
    // More than the sockets buffer (~10 MB): an export the client does not read stays open.
    await seedEvents(exporter.org.organizationId, 30_000);
    // Read by a client that takes the headers and then nothing: the export waits for it.
    const open = (key: string) =>
      new Promise<{ status: number; stop: () => void }>((resolve, reject) => {
        const request = get(
          `${t.url}/v1.0/audit-log/export?format=ndjson`,
          { headers: { authorization: `Bearer ${key}` } },
          (response) => {
            response.pause();
            resolve({ status: response.statusCode ?? 0, stop: () => request.destroy() });
          },
        );
        request.on('error', (error) => (isDestroyed(error) ? undefined : reject(error)));
      });
    const first = await open(exporter.org.apiKey.key);
    const second = await open(exporter.org.apiKey.key);
    expect([first.status, second.status]).toEqual([200, 200]);
    const third = await client(t.url, exporter.org.apiKey.key).get('/v1.0/audit-log/export?format=ndjson');
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('5');
    expect(third.body.message).toBe("2 exports of this organization's audit log are running; retry when one has finished.");
    // Another organization's export is not held up by this one's.
    expect((await other.admin.get('/v1.0/audit-log/export?format=csv')).status).toBe(200);
    // A client that goes away frees its export.
    first.stop();
    second.stop();
    let again = 0;
    for (let tries = 0; tries < 50 && again !== 200; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const response = await fetch(`${t.url}/v1.0/audit-log/export?format=csv&action=user.created`, {
        headers: { authorization: `Bearer ${exporter.org.apiKey.key}` },
      });
      again = response.status;
      await response.text();
    }
    expect(again).toBe(200);
  }, 60_000);
});
