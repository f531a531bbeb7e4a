import { loadConfig } from '@app/config';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScimHealthMonitor } from '../apps/server/src/scim-health/scim-health.monitor';
import { ScimTrafficService } from '../apps/server/src/scim-health/scim-traffic.service';
import { client } from './support/http';
import { scimOrganization, ScimOrganization } from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

/*
 * Connection health (contract §8): the status an admin sees of the identity provider's SCIM
 * connection, from request counts kept per key and minute, on the engine under test.
 */
describe('SCIM connection health', () => {
  let t: TestApp;
  let second: TestApp;
  let o: ScimOrganization;
  let outbox: string;
  const health = async (org: ScimOrganization = o) => {
    const response = await org.admin.get('/v1.0/settings/scim-health');
    expect(response.status).toBe(200);
    return response.body;
  };

  beforeAll(async () => {
    outbox = mkdtempSync(join(tmpdir(), 'torii-health-outbox-'));
    const mail = loadConfig({ MAIL_OUTBOX_DIR: outbox }).mail;
    t = await startTestApp({ mail });
    // A second instance on the same database, as in a deployment with two replicas.
    second = await startTestApp({ mail }, t.db);
    o = await scimOrganization(t, 'Connected', 'admin@connected.test');
  });

  afterAll(async () => {
    await second?.close();
    await t?.close();
    rmSync(outbox, { recursive: true, force: true });
  });

  const emails = () =>
    readdirSync(outbox)
      .filter((f) => f.endsWith('.eml'))
      .map((f) => readFileSync(join(outbox, f), 'utf8'));
  /** Both instances check at once: each transition is recorded, and alerted, by one of them. */
  const checkBoth = async () => {
    const [a, b] = await Promise.all([t.app.get(ScimHealthMonitor).run(), second.app.get(ScimHealthMonitor).run()]);
    return [...a, ...b];
  };

  it('should say off, then never-connected, with the key listed', async () => {
    const fresh = await t.createOrganization('Fresh');
    const admin = client(t.url, fresh.apiKey.key);
    expect((await admin.get('/v1.0/settings/scim-health')).body).toMatchObject({ status: 'off', lastRequestAt: null, keys: [] });
    expect(await health()).toMatchObject({
      status: 'never-connected',
      lastRequestAt: null,
      requests24h: 0,
      keys: [{ keyId: o.scimKeyId, description: 'Okta', requests24h: 0, errors24h: 0 }],
    });
  });

  it('should count requests and failures per key, written once a minute, and show the last error', async () => {
    for (let i = 0; i < 8; i++) expect((await o.scim.get('/Users')).status).toBe(200);
    expect((await o.scim.get('/Users/424242')).status).toBe(404); // a GET's 404: not a failure
    const refused = await o.scim.post('/Users', { body: { userName: 'not-an-email' } });
    expect(refused.status).toBe(400);
    // The refusal is recorded (the last error) just after its response went out.
    for (let tries = 0; tries < 40 && !(await health()).keys[0].lastError; tries++) await new Promise((r) => setTimeout(r, 50));
    // Before the minute's counts are written, and after: the same figures.
    const before = await health();
    await t.app.get(ScimTrafficService).flush();
    const after = await health();
    for (const view of [before, after]) {
      expect(view).toMatchObject({ status: 'healthy', requests24h: 10, errors24h: 1, lastRequestAt: expect.any(String) });
      expect(view.keys[0]).toMatchObject({
        requests24h: 10,
        errors24h: 1,
        lastError: { status: 400, detail: refused.body.detail, at: expect.any(String) },
      });
    }
    expect(after.summary).toBe('10 SCIM requests in the last 24 hours, 1 failed.');
  });

  it('should turn degraded above 20% failures, and count another organization apart', async () => {
    for (let i = 0; i < 3; i++) await o.scim.post('/Users', { body: { userName: `bad${i}` } });
    // 4 failures of 13: 31%.
    const view = await health();
    expect(view).toMatchObject({ status: 'degraded', requests24h: 13, errors24h: 4 });
    expect(view.summary).toContain('4 of the last 24 hours');
    const other = await scimOrganization(t, 'Other');
    await other.scim.get('/Users');
    // The key's first use is recorded just after the response, off the request path.
    for (let tries = 0; tries < 40 && (await health(other)).status === 'never-connected'; tries++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await health(other)).toMatchObject({ status: 'healthy', requests24h: 1, errors24h: 0 });
  });

  it('should email the Admins once when the connection becomes degraded, whatever the number of instances', async () => {
    await t.app.get(ScimTrafficService).flush();
    const organizationId = Number(o.org.organizationId);
    const alerted = await checkBoth();
    expect(alerted.filter((id) => id === organizationId)).toEqual([organizationId]);
    const mails = emails().filter((m) => m.includes('is degraded'));
    expect(mails).toHaveLength(1);
    expect(mails[0]).toContain('To: admin@connected.test');
    expect(mails[0]).toContain('Subject: SCIM provisioning of Connected is degraded');
    // Checked again, unchanged: no second email.
    expect((await checkBoth()).filter((id) => id === organizationId)).toEqual([]);
    expect(emails().filter((m) => m.includes('is degraded'))).toHaveLength(1);
    // The alert is in the notifications history, and its sending in the audit log.
    const history = (await o.admin.get('/v1.0/settings/notifications')).body.notifications;
    expect(history[0]).toMatchObject({ kind: 'scim-health', status: 'sent', health: { status: 'degraded' } });
    const sent = (await o.admin.get('/v1.0/audit-log?action=reminder.sent&size=1')).body.events[0];
    expect(sent).toMatchObject({
      actor: { type: 'system' },
      detail: expect.stringContaining('SCIM connection alert (degraded)'),
    });
  });

  it('should turn silent when no request came for SCIM_SILENT_HOURS, and off when SCIM is off', async () => {
    await t.app.get(ScimTrafficService).flush();
    const later = new Date(Date.now() + 25 * 60 * 60 * 1000);
    t.clock.set(later);
    second.clock.set(later);
    try {
      const view = await health();
      expect(view).toMatchObject({ status: 'silent', requests24h: 0 });
      expect(view.summary).toContain('more than 24 hours');
      // A new transition: one more email.
      expect(await checkBoth()).toContain(Number(o.org.organizationId));
      expect(emails().filter((m) => m.includes('Subject: SCIM provisioning of Connected is silent'))).toHaveLength(1);
      await o.admin.patch('/v1.0/settings/security', { body: { scimEnabled: false } });
      expect((await health()).status).toBe('off');
    } finally {
      t.clock.reset();
      second.clock.reset();
      await o.admin.patch('/v1.0/settings/security', { body: { scimEnabled: true } });
    }
  });
});
