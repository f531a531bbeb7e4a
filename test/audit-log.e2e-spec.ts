import { loadConfig } from '@app/config';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditPruneCron } from '../apps/server/src/audit/audit-prune.cron';
import { AuditService } from '../apps/server/src/audit/audit.service';
import { runCli } from '../apps/server/src/cli/cli';
import { OnboardingService } from '../apps/server/src/onboarding/onboarding.service';
import { RemindersService } from '../apps/server/src/notifications/reminders.service';
import { client } from './support/http';
import { databaseUrl } from './support/process';
import { Client, oktaCreateBody, PATCH_OP, scimOrganization, ScimOrganization } from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

/*
 * The audit log (contract §8): every change from every entry point with its actor, in the same
 * transaction as the change; failed SCIM requests with their reason; no secrets; tenant isolation;
 * paging, filters, export; pruning. On the engine under test.
 */
describe('audit log', () => {
  let t: TestApp;
  let o: ScimOrganization;
  let admin: Client;
  let scim: Client;
  let outbox: string;

  type Event = {
    id: string;
    action: string;
    actor: { type: string; keyId?: string; maskedKey?: string; description?: string | null };
    target: { type: string; id: string | null; display: string | null };
    changes?: Array<{ attribute: string; from?: unknown; to?: unknown }>;
    outcome: string;
    status?: number;
    scimType?: string;
    detail?: string;
    requestId: string | null;
  };

  /** Every event of the organization, newest first, walking the cursor. */
  const all = async (c: Client = admin, query = ''): Promise<Event[]> => {
    const out: Event[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { events: Event[]; nextCursor: string | null } } = await c.get(
        `/v1.0/audit-log?size=200${query}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      out.push(...page.body.events);
      cursor = page.body.nextCursor;
    } while (cursor);
    return out;
  };
  /**
   * The newest event of an action. A failed SCIM request is recorded after its response went out,
   * so its event may land a moment after the client has the answer: looked for again for up to 2 s.
   */
  const latest = async (action: string, c: Client = admin, newerThan?: Event): Promise<Event> => {
    let events: Event[] = [];
    for (let tries = 0; tries < 40; tries++) {
      events = (await c.get(`/v1.0/audit-log?action=${action}&size=1`)).body.events as Event[];
      if (events.length && (!newerThan || Number(events[0].id) > Number(newerThan.id))) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(events).toHaveLength(1);
    if (newerThan) expect(Number(events[0].id)).toBeGreaterThan(Number(newerThan.id));
    return events[0];
  };

  beforeAll(async () => {
    outbox = mkdtempSync(join(tmpdir(), 'torii-audit-outbox-'));
    t = await startTestApp({ mail: loadConfig({ MAIL_OUTBOX_DIR: outbox }).mail });
    o = await scimOrganization(t, 'Audited', 'owner@audited.test');
    admin = o.admin;
    scim = o.scim;
  });

  afterAll(async () => {
    await t?.close();
    rmSync(outbox, { recursive: true, force: true });
  });

  it('should record the admin API’s changes with the key that made them', async () => {
    const enabled = await latest('security.scim-enabled');
    expect(enabled).toMatchObject({
      actor: { type: 'api-key', keyId: o.org.apiKey.id, maskedKey: o.org.apiKey.maskedKey },
      target: { type: 'organization' },
      changes: [{ attribute: 'scimEnabled', from: false, to: true }],
      outcome: 'success',
      requestId: expect.any(String),
    });
    const keyCreated = await latest('api-key.created');
    expect(keyCreated).toMatchObject({
      target: { type: 'api-key', id: o.scimKeyId, display: expect.stringContaining('(Okta)') },
      changes: expect.arrayContaining([
        { attribute: 'type', to: 'Torii SCIM' },
        { attribute: 'description', to: 'Okta' },
      ]),
    });

    await admin.patch(`/v1.0/settings/api-keys/${o.scimKeyId}`, { body: { description: 'Okta production' } });
    expect((await latest('api-key.updated')).changes).toEqual([
      { attribute: 'description', from: 'Okta', to: 'Okta production' },
    ]);
    // Saving the same description again changes nothing, and records nothing.
    await admin.patch(`/v1.0/settings/api-keys/${o.scimKeyId}`, { body: { description: 'Okta production' } });
    expect((await all(admin, '&action=api-key.updated')).length).toBe(1);

    const role = (await admin.post('/v1.0/settings/roles', { body: { name: 'Finance' } })).body;
    await admin.patch(`/v1.0/settings/roles/${role.id}`, { body: { name: 'Finance team' } });
    await admin.delete(`/v1.0/settings/roles/${role.id}`);
    expect(await latest('role.created')).toMatchObject({ target: { type: 'role', id: role.id, display: 'Finance' } });
    expect((await latest('role.updated')).changes).toEqual([{ attribute: 'name', from: 'Finance', to: 'Finance team' }]);
    expect(await latest('role.deleted')).toMatchObject({ target: { id: role.id, display: 'Finance team' } });

    const spare = (await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: 'spare' } })).body;
    await admin.delete(`/v1.0/settings/api-keys/${spare.id}`);
    expect(await latest('api-key.deleted')).toMatchObject({ target: { type: 'api-key', id: spare.id } });
  });

  it('should record SCIM’s changes of users with the SCIM key and the changed attributes', async () => {
    const created = (await scim.post('/Users', { body: oktaCreateBody('ana@audited.test', { title: 'Engineer' }) })).body;
    const event = await latest('user.created');
    expect(event).toMatchObject({
      actor: { type: 'scim-key', keyId: o.scimKeyId, description: 'Okta production' },
      target: { type: 'user', id: created.id, display: 'ana@audited.test' },
    });
    expect(event.changes).toEqual(
      expect.arrayContaining([
        { attribute: 'userName', to: 'ana@audited.test' },
        { attribute: 'userType', to: 'Employee' },
        { attribute: 'title', to: 'Engineer' },
        { attribute: 'emails', to: ['ana@audited.test'] },
      ]),
    );

    const patch = (Operations: unknown[]) => scim.patch(`/Users/${created.id}`, { body: { schemas: [PATCH_OP], Operations } });
    await patch([{ op: 'replace', path: 'title', value: 'Lead' }]);
    expect((await latest('user.updated')).changes).toEqual([{ attribute: 'title', from: 'Engineer', to: 'Lead' }]);
    // A PATCH that changes nothing records nothing.
    await patch([{ op: 'replace', path: 'title', value: 'Lead' }]);
    expect((await all(admin, `&action=user.updated&targetId=${created.id}`)).length).toBe(1);

    await patch([{ op: 'replace', path: 'userType', value: 'Procurement' }]);
    expect((await latest('user.role-changed')).changes).toEqual([{ attribute: 'userType', from: 'Employee', to: 'Procurement' }]);
    await patch([{ op: 'replace', value: { active: false } }]);
    expect((await latest('user.deactivated')).changes).toEqual([{ attribute: 'active', from: true, to: false }]);
    await patch([{ op: 'replace', value: { active: true } }]);
    expect(await latest('user.reactivated')).toMatchObject({ target: { id: created.id } });

    // The admin API's changes of a user: the API key.
    await admin.patch(`/v1.0/users/${created.id}`, { body: { role: 'Read-only' } });
    expect(await latest('user.role-changed')).toMatchObject({
      actor: { type: 'api-key' },
      changes: [{ attribute: 'userType', from: 'Procurement', to: 'Read-only' }],
    });

    // A user's whole history.
    const history = await all(admin, `&targetType=user&targetId=${created.id}`);
    expect(history.map((e) => e.action)).toEqual([
      'user.role-changed',
      'user.reactivated',
      'user.deactivated',
      'user.role-changed',
      'user.updated',
      'user.created',
    ]);

    expect((await scim.delete(`/Users/${created.id}`)).status).toBe(204);
    expect(await latest('user.deleted')).toMatchObject({ target: { id: created.id, display: 'ana@audited.test' } });
  });

  it('should record groups, their members, role mappings and the roles they give', async () => {
    const ben = (await scim.post('/Users', { body: { userName: 'ben@audited.test' } })).body.id;
    const cy = (await scim.post('/Users', { body: { userName: 'cy@audited.test' } })).body.id;
    const group = (await scim.post('/Groups', { body: { displayName: 'Buyers', members: [{ value: ben }] } })).body.id;
    expect(await latest('group.created')).toMatchObject({
      actor: { type: 'scim-key' },
      target: { type: 'group', id: group, display: 'Buyers' },
      changes: [
        { attribute: 'displayName', to: 'Buyers' },
        { attribute: 'members', to: [ben] },
      ],
    });
    const mapping = (await admin.post('/v1.0/settings/role-mappings', { body: { groupId: group, role: 'Procurement' } })).body;
    expect(await latest('role-mapping.created')).toMatchObject({
      actor: { type: 'api-key' },
      target: { type: 'role-mapping', id: mapping.id, display: 'Buyers' },
    });
    // The mapping gave ben a role, in the same request: recorded with the group it comes from.
    expect(await latest('user.role-changed')).toMatchObject({
      actor: { type: 'api-key' },
      target: { id: ben },
      changes: [{ attribute: 'userType', from: 'Employee', to: 'Procurement' }],
      detail: expect.stringContaining('"Buyers"'),
    });

    await scim.patch(`/Groups/${group}`, {
      body: {
        schemas: [PATCH_OP],
        Operations: [
          { op: 'Add', path: 'members', value: [{ value: cy }] },
          { op: 'Remove', path: `members[value eq "${ben}"]` },
          { op: 'Replace', path: 'displayName', value: 'Buyers EU' },
        ],
      },
    });
    expect(await latest('group.members-added')).toMatchObject({
      actor: { type: 'scim-key' },
      changes: [{ attribute: 'members', to: [cy] }],
      detail: '1 member added.',
    });
    expect(await latest('group.members-removed')).toMatchObject({ changes: [{ attribute: 'members', from: [ben] }] });
    expect((await latest('group.updated')).changes).toEqual([{ attribute: 'displayName', from: 'Buyers', to: 'Buyers EU' }]);

    await admin.patch(`/v1.0/settings/role-mappings/${mapping.id}`, { body: { role: 'IT Admin', priority: 3 } });
    expect((await latest('role-mapping.updated')).changes).toEqual([
      { attribute: 'role', from: 'Procurement', to: 'IT Admin' },
      { attribute: 'priority', from: 10, to: 3 },
    ]);
    await admin.delete(`/v1.0/settings/role-mappings/${mapping.id}`);
    expect(await latest('role-mapping.deleted')).toMatchObject({ changes: [{ attribute: 'role', from: 'IT Admin' }] });
    await scim.delete(`/Groups/${group}`);
    expect(await latest('group.deleted')).toMatchObject({ target: { id: group, display: 'Buyers EU' } });
  });

  it('should record failed SCIM requests with their status, scimType and sentence, but not a GET’s 404', async () => {
    const refused = await scim.post('/Users', { body: { userName: 'not-an-email' } });
    expect(refused.status).toBe(400);
    const event = await latest('scim.request-failed');
    expect(event).toMatchObject({
      actor: { type: 'scim-key', keyId: o.scimKeyId },
      target: { type: 'scim-request', display: 'POST /Users' },
      outcome: 'failure',
      status: 400,
      scimType: 'invalidValue',
      detail: refused.body.detail,
      requestId: refused.headers.get('x-request-id'),
    });
    const before = (await all(admin, '&outcome=failure')).length;
    expect((await scim.get('/Users/999999')).status).toBe(404);
    expect((await scim.get('/Users?filter=userName%20eq%20%22x%40y.z%22')).status).toBe(200);
    // A PATCH of a user that does not exist is a failure the admin should see; once it is recorded,
    // the GET's 404 before it would have been too: only the PATCH is.
    expect((await scim.patch('/Users/999999', { body: { schemas: [PATCH_OP], Operations: [] } })).status).toBe(404);
    const patched = await latest('scim.request-failed', admin, event);
    expect(patched).toMatchObject({ status: 404, target: { id: '999999', display: 'PATCH /Users' } });
    expect((await all(admin, '&outcome=failure')).length).toBe(before + 1);

    // SCIM turned off: the identity provider's attempts are refused (403), and recorded for the admin.
    await admin.patch('/v1.0/settings/security', { body: { scimEnabled: false } });
    expect((await scim.get('/Users')).status).toBe(403);
    expect(await latest('scim.request-failed', admin, patched)).toMatchObject({
      status: 403,
      detail: expect.stringContaining('turned off'),
    });
    await admin.patch('/v1.0/settings/security', { body: { scimEnabled: true } });
    expect(await latest('security.scim-disabled')).toMatchObject({
      changes: [{ attribute: 'scimEnabled', from: true, to: false }],
    });
  });

  it('should record the CLI’s changes as the CLI, and the reminder job’s as the system', async () => {
    const env = { DATABASE_URL: databaseUrl(t.db.config), MAIL_OUTBOX_DIR: outbox, LOG_LEVEL: 'silent' };
    const io = { out: () => undefined, err: () => undefined };
    expect(
      await runCli(['keys:create', '--org', o.org.organizationId, '--type', 'api', '--description', 'from the shell'], io, env),
    ).toBe(0);
    expect(await latest('api-key.created')).toMatchObject({
      actor: { type: 'cli' },
      changes: expect.arrayContaining([{ attribute: 'description', to: 'from the shell' }]),
    });

    // A key that expires inside the reminder window: the job (no request, no CLI) sends its reminder.
    const soon = new Date(Date.now() + 10 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    const key = (await admin.post('/v1.0/settings/api-keys', { body: { type: 'api', description: 'expiring', expiresAt: soon } }))
      .body;
    await t.app.get(RemindersService).run();
    expect(await latest('reminder.sent')).toMatchObject({
      actor: { type: 'system' },
      target: { type: 'api-key', id: key.id },
      changes: [{ attribute: 'recipients', to: ['owner@audited.test'] }],
    });
  });

  it('should credit the first start’s organization, Admin and key to the first start, not to a scheduled job', async () => {
    const created = await t.app.get(OnboardingService).bootstrapOnce('First Start Inc', 'first@first-start.test');
    expect(created).not.toBeNull();
    const firstAdmin = client(t.url, created!.apiKey.key);
    const events = await all(firstAdmin);
    expect(events.map((e) => e.action).sort()).toEqual(['api-key.created', 'user.created']);
    for (const event of events) expect(event.actor).toEqual({ type: 'system', description: 'First start' });
    // Exported the same way, in the actor's description column.
    const csv = await (
      await fetch(`${t.url}/v1.0/audit-log/export?format=csv&action=user.created`, {
        headers: { authorization: `Bearer ${created!.apiKey.key}` },
      })
    ).text();
    expect(csv.split('\r\n')[1]).toMatch(/^\d+,[^,]+,user\.created,success,system,,,First start,user,/);
  });

  it('should leave no event when the change fails after it, and no change when its event fails', async () => {
    const audit = t.app.get(AuditService);
    const count = async () => (await all()).length;
    const before = await count();
    const lastFailure = await latest('scim.request-failed');

    // The event is written, then the transaction fails: neither stays.
    const original = audit.record.bind(audit);
    const afterEvent = jest.spyOn(audit, 'record').mockImplementationOnce(async (...args) => {
      await original(...args);
      throw new Error('the disk filled up right after the event');
    });
    const failed = await scim.post('/Users', { body: { userName: 'ghost@audited.test' } });
    expect(failed.status).toBe(500);
    afterEvent.mockRestore();
    expect((await scim.get('/Users?filter=userName%20eq%20%22ghost%40audited.test%22')).body.totalResults).toBe(0);

    // The change is made, then its event cannot be written: the change is rolled back.
    const noEvent = jest.spyOn(audit, 'record').mockRejectedValueOnce(new Error('the audit table is gone'));
    const role = await admin.post('/v1.0/settings/roles', { body: { name: 'Phantom' } });
    expect(role.status).toBe(500);
    noEvent.mockRestore();
    const roles = (await admin.get('/v1.0/settings/roles')).body.roles.map((r: { name: string }) => r.name);
    expect(roles).not.toContain('Phantom');

    // Only the failed requests' own records were added (the 500s of SCIM), nothing of the changes.
    await latest('scim.request-failed', admin, lastFailure);
    const added = (await all()).slice(0, (await count()) - before);
    expect(added.map((e) => e.action)).toEqual(['scim.request-failed']);
  });

  it('should never hold a key’s secret, a password or an Authorization header', async () => {
    const other = await admin.post('/v1.0/settings/api-keys', { body: { type: 'scim', description: 'Entra' } });
    const entra = client(`${t.url}/v1.0/scim/v2`, other.body.key);
    await entra.post('/Users', { body: oktaCreateBody('dee@audited.test', { password: 'Sup3r-Secret!pw' }) });
    await entra.put('/Users/1', { body: { userName: 'x', password: 'Sup3r-Secret!pw' } });
    await client(`${t.url}/v1.0/scim/v2`, `${other.body.key}x`).get('/Users');
    const rows = JSON.stringify(await t.dataSource.query('SELECT * FROM audit_events'));
    const exported = await (
      await fetch(`${t.url}/v1.0/audit-log/export?format=ndjson`, { headers: { authorization: `Bearer ${o.org.apiKey.key}` } })
    ).text();
    for (const text of [rows, exported]) {
      for (const secret of [o.org.apiKey.key, o.scimKey, other.body.key, 'Sup3r-Secret']) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/Bearer /);
    }
  });

  it('should show an organization only its own events', async () => {
    const stranger = await scimOrganization(t, 'Stranger');
    await stranger.scim.post('/Users', { body: { userName: 'eve@stranger.test' } });
    const theirs = await all(stranger.admin);
    const ours = await all();
    expect(theirs.length).toBeGreaterThan(0);
    const ourIds = new Set(ours.map((e) => e.id));
    expect(theirs.some((e) => ourIds.has(e.id))).toBe(false);
    expect(theirs.every((e) => !JSON.stringify(e).includes('audited.test'))).toBe(true);
    // Naming another organization's key or user finds nothing.
    expect(await all(stranger.admin, `&actorKeyId=${o.scimKeyId}`)).toEqual([]);
  });

  it('should page newest first without gaps, filter by time, and refuse bad filters with a sentence', async () => {
    const everything = await all();
    const ids = everything.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { events: Event[]; count: number; nextCursor: string | null } } = await admin.get(
        `/v1.0/audit-log?size=7${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.body.count).toBe(page.body.events.length);
      walked.push(...page.body.events.map((e) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(walked).toEqual(everything.map((e) => e.id));

    expect(await all(admin, '&since=2999-01-01')).toEqual([]);
    expect((await all(admin, '&until=2999-01-01')).length).toBe(everything.length);
    const bad = await admin.get('/v1.0/audit-log?action=user.exploded&since=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['action', 'since']);
    expect((await admin.get('/v1.0/audit-log?cursor=nope')).status).toBe(400);
    // A key's id in its canonical form only: "0<id>" or " <id>" names no key.
    const keyId = o.org.apiKey.id;
    expect((await all(admin, `&actorKeyId=${keyId}`)).length).toBeGreaterThan(0);
    for (const id of [`0${keyId}`, ` ${keyId}`, `${keyId}.0`]) {
      const refused = await admin.get(`/v1.0/audit-log?actorKeyId=${encodeURIComponent(id)}`);
      expect(refused.status).toBe(400);
      expect(refused.body.details).toEqual([{ field: 'actorKeyId', message: 'actorKeyId must be a key id' }]);
    }
    // A SCIM key cannot read the audit log.
    expect((await client(t.url, o.scimKey).get('/v1.0/audit-log')).status).toBe(403);
  });

  it('should export the same events as NDJSON and CSV, streamed', async () => {
    const events = await all(admin, '&targetType=user');
    const headers = { authorization: `Bearer ${o.org.apiKey.key}` };
    const ndjson = await fetch(`${t.url}/v1.0/audit-log/export?format=ndjson&targetType=user`, { headers });
    expect(ndjson.status).toBe(200);
    expect(ndjson.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(ndjson.headers.get('content-disposition')).toBe('attachment; filename="audit-log.ndjson"');
    const lines = (await ndjson.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual(events);

    const csv = await fetch(`${t.url}/v1.0/audit-log/export?format=csv&targetType=user`, { headers });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = (await csv.text()).trim().split('\r\n');
    expect(rows[0]).toBe(
      'id,occurredAt,action,outcome,actorType,actorKeyId,actorMaskedKey,actorDescription,targetType,targetId,targetDisplay,changes,status,scimType,detail,requestId',
    );
    expect(rows.length - 1).toBeGreaterThanOrEqual(events.length);
    expect(rows[1].startsWith(`${events[0].id},`)).toBe(true);

    // A value that a spreadsheet would run as a formula is exported as text.
    await scim.post('/Users', { body: { userName: 'formula@audited.test', displayName: '=HYPERLINK("http://x")' } });
    const exported = await (await fetch(`${t.url}/v1.0/audit-log/export?format=csv&action=user.created`, { headers })).text();
    expect(exported).toContain(`""to"":""=HYPERLINK`);
    expect(exported).not.toMatch(/,=HYPERLINK/);
  });

  it('should prune events past the retention, in batches, on several instances at once', async () => {
    const [{ n: total }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM audit_events');
    // Age every event of the organization but the newest five past the retention (180 days).
    const keep = (await all()).slice(0, 5).map((e) => Number(e.id));
    await t.dataSource.query(
      `UPDATE audit_events SET occurred_at = '2020-01-01 00:00:00.000' WHERE id NOT IN (${keep.join(', ')})`,
    );
    const cron = t.app.get(AuditPruneCron);
    await Promise.all([cron.run(), cron.run()]);
    const left = (await all()).map((e) => Number(e.id));
    expect(left).toEqual(keep);
    const [{ n }] = await t.dataSource.query('SELECT COUNT(*) AS n FROM audit_events');
    expect(Number(n)).toBeLessThan(Number(total));
  });
});
