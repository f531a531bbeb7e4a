import { loadConfig } from '@app/config';
import { AuditPruneCron } from '../apps/server/src/audit/audit-prune.cron';
import { ScimHealthMonitor } from '../apps/server/src/scim-health/scim-health.monitor';
import { ScimTrafficService } from '../apps/server/src/scim-health/scim-traffic.service';
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

  it("should show each scheduled job's last run: how long, how much it handled, when, and how many runs", async () => {
    // What other tests left due (their traffic written, then checked) is out of the way first.
    await t.app.get(ScimTrafficService).flush();
    const monitor = t.app.get(ScimHealthMonitor);
    await monitor.run();
    // Turning SCIM on checks the organization at once, just after the response (never connected)…
    const o = await scimOrganization(t, 'Monitored Org');
    for (let tries = 0; tries < 40; tries++) {
      const [row] = await t.dataSource.query('SELECT status FROM scim_health_states WHERE organization_id = ?', [
        Number(o.org.organizationId),
      ]);
      if (row?.status === 'never-connected') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // …and its first request, once written, makes it due: the one organization the round checks.
    expect((await o.scim.get('/Users')).status).toBe(200);
    await t.app.get(ScimTrafficService).flush();
    await monitor.run();
    t.clock.set('2031-01-01T00:00:00.000Z');
    try {
      await t.app.get(AuditPruneCron).run();
      await t.app.get(AuditPruneCron).run();
    } finally {
      t.clock.reset();
    }
    const text = await (await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    expect(text).toContain('# TYPE torii_job_last_run_duration_seconds gauge');
    expect(text).toMatch(/torii_job_last_run_duration_seconds\{job="scim-health"\} \d/);
    expect(text).toContain('torii_job_last_run_handled{job="scim-health"} 1');
    expect(text).toContain('torii_job_last_run_handled{job="audit-prune"} 0');
    expect(text).toContain(
      `torii_job_last_run_timestamp_seconds{job="audit-prune"} ${Date.parse('2031-01-01T00:00:00.000Z') / 1000}`,
    );
    expect(text).toContain('torii_job_runs_total{job="audit-prune",outcome="success"} 2');
    expect(text).toContain('torii_job_runs_total{job="audit-prune",outcome="failure"} 0');
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
