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
  let o: ScimOrganization;
  const health = async (org: ScimOrganization = o) => {
    const response = await org.admin.get('/v1.0/settings/scim-health');
    expect(response.status).toBe(200);
    return response.body;
  };

  beforeAll(async () => {
    t = await startTestApp();
    o = await scimOrganization(t, 'Connected');
  });

  afterAll(async () => {
    await t?.close();
  });

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
    expect(await health(other)).toMatchObject({ status: 'healthy', requests24h: 1, errors24h: 0 });
  });

  it('should turn silent when no request came for SCIM_SILENT_HOURS, and off when SCIM is off', async () => {
    await t.app.get(ScimTrafficService).flush();
    t.clock.set(new Date(Date.now() + 25 * 60 * 60 * 1000));
    try {
      const view = await health();
      expect(view).toMatchObject({ status: 'silent', requests24h: 0 });
      expect(view.summary).toContain('more than 24 hours');
      await o.admin.patch('/v1.0/settings/security', { body: { scimEnabled: false } });
      expect((await health()).status).toBe('off');
    } finally {
      t.clock.reset();
      await o.admin.patch('/v1.0/settings/security', { body: { scimEnabled: true } });
    }
  });
});
