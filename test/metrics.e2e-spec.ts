import { loadConfig } from '@app/config';
import { scimOrganization } from './support/scim';
import { startTestApp, TestApp } from './support/test-app';

/* GET /metrics (contract §8): Prometheus text, guarded by METRICS_TOKEN, labels without ids or personal data. */
describe('metrics', () => {
  let t: TestApp;
  const TOKEN = 'scrape-me-0123456789';

  beforeAll(async () => {
    t = await startTestApp({ metrics: loadConfig({ METRICS_ENABLED: 'true', METRICS_TOKEN: TOKEN }).metrics });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('should serve Prometheus metrics to the token holder only, by route template, with no ids or emails', async () => {
    const o = await scimOrganization(t, 'Measured Org');
    const user = (await o.scim.post('/Users', { body: { userName: 'mia@measured.test' } })).body.id;
    await o.scim.get(`/Users/${user}`);
    await o.scim.get('/Users/999999');
    await o.scim.post('/Users', { body: { userName: 'not-an-email' } });
    await o.scim.get(`/Users?filter=${encodeURIComponent('userName eq "mia@measured.test"')}`);

    expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${t.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const response = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toContain('torii_http_requests_total{method="GET",route="/v1.0/scim/v2/Users/:id",status="200"} 1');
    expect(text).toContain('torii_http_requests_total{method="POST",route="/v1.0/scim/v2/Users",status="400"} 1');
    expect(text).toMatch(
      /torii_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/v1\.0\/scim\/v2\/Users\/:id"\} \d+/,
    );
    expect(text).toContain('torii_scim_operations_total{resource="Users",operation="create",outcome="success"} 1');
    expect(text).toContain('torii_scim_operations_total{resource="Users",operation="create",outcome="failure"} 1');
    expect(text).toContain('torii_scim_operations_total{resource="Users",operation="read",outcome="success"} 2');
    expect(text).toContain('torii_reminder_outbox{status="pending"} 0');
    expect(text).toContain('process_cpu_user_seconds_total');
    for (const personal of ['mia@measured.test', 'Measured Org', `/Users/${user}`, '/Users/999999', o.scimKey]) {
      expect(text).not.toContain(personal);
    }
    // No label value holds an organization or key id.
    expect(text).not.toMatch(/(organization|org|key)(_?id)?="/i);
  });

  it('should answer 404 when metrics are off', async () => {
    const off = await startTestApp();
    try {
      expect((await fetch(`${off.url}/metrics`)).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
