import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { isScimPath, SCIM_BASE_PATH } from '../common/http-error';
import { JobRuns, JobRunStats } from '../common/job-runs';
import { RemindersService } from '../notifications/reminders.service';

const REMINDER_STATUSES = ['pending', 'sent', 'failed', 'cancelled', 'superseded'] as const;

/** SCIM operations by method and route shape. */
function scimOperation(method: string, route: string): string {
  const item = /\/:id$/.test(route);
  if (route.endsWith('/.search')) return 'search';
  switch (method) {
    case 'GET':
      return item ? 'read' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'replace';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return method.toLowerCase();
  }
}

/**
 * Prometheus metrics (prom-client) in a registry of this app: HTTP requests by route template and
 * status with their durations, SCIM operations by resource and outcome, rate-limited requests, the
 * reminder outbox by status, the scheduled jobs' last runs (JobRuns: duration, what they handled,
 * when), and Node's process metrics. Labels are route templates
 * (`/v1.0/scim/v2/Users/:id`), never ids, organizations or emails.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly durations: Histogram<'method' | 'route'>;
  private readonly scim: Counter<'resource' | 'operation' | 'outcome'>;
  private readonly rateLimited: Counter<'api'>;

  constructor(
    reminders: RemindersService,
    jobs: JobRuns,
    @Inject(APP_CONFIG) readonly config: AppConfig,
  ) {
    const registers = [this.registry];
    if (config.metrics.enabled) collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'torii_http_requests_total',
      help: 'HTTP requests answered, by method, route template and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.durations = new Histogram({
      name: 'torii_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method and route template.',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.scim = new Counter({
      name: 'torii_scim_operations_total',
      help: 'SCIM operations, by resource type, operation and outcome (failure: 4xx but a GET 404, or 5xx).',
      labelNames: ['resource', 'operation', 'outcome'],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'torii_rate_limited_requests_total',
      help: 'Requests refused with 429 by the rate limit.',
      labelNames: ['api'],
      registers,
    });
    new Gauge({
      name: 'torii_reminder_outbox',
      help: 'Key-expiry reminders in the outbox, by status (every organization).',
      labelNames: ['status'],
      registers,
      async collect() {
        const counts = await reminders.countByStatus();
        for (const status of REMINDER_STATUSES) this.set({ status }, counts.get(status) ?? 0);
      },
    });
    // The scheduled jobs, by name (a fixed set: expiry-reminders, scim-health, ...), as of their last run in this process.
    const perJob = (name: string, help: string, value: (stats: JobRunStats) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['job'],
        registers,
        collect() {
          for (const [job, stats] of jobs.all()) this.set({ job }, value(stats));
        },
      });
    perJob('torii_job_last_run_duration_seconds', 'How long the last run of a scheduled job took.', (s) => s.lastDurationSeconds);
    perJob(
      'torii_job_last_run_handled',
      'Rows or organizations the last run of a scheduled job handled (what was due, not every organization).',
      (s) => s.lastHandled,
    );
    perJob(
      'torii_job_last_run_timestamp_seconds',
      'When the last run of a scheduled job ended (Unix time).',
      (s) => s.lastRunAt.getTime() / 1000,
    );
    new Counter({
      name: 'torii_job_runs_total',
      help: 'Runs of the scheduled jobs in this process, by job and outcome (failure: the run threw; it is retried on the next tick).',
      labelNames: ['job', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const [job, stats] of jobs.all()) {
          this.inc({ job, outcome: 'success' }, stats.runs.success);
          this.inc({ job, outcome: 'failure' }, stats.runs.failure);
        }
      },
    });
  }

  /** Fastify onResponse: counts the request under its route template. */
  onResponse(request: FastifyRequest, reply: FastifyReply): void {
    const route = request.routeOptions?.url ?? '(unmatched)';
    const method = request.method;
    const status = reply.statusCode;
    this.requests.inc({ method, route, status: String(status) });
    this.durations.observe({ method, route }, reply.elapsedTime / 1000);
    const scim = isScimPath(request.url);
    if (status === 429) this.rateLimited.inc({ api: scim ? 'scim' : 'admin' });
    if (scim && route.startsWith(SCIM_BASE_PATH)) {
      const resource = route.slice(SCIM_BASE_PATH.length).split('/')[1] || '(base)';
      const failed = status >= 500 || (status >= 400 && !(status === 404 && method === 'GET'));
      this.scim.inc({ resource, operation: scimOperation(method, route), outcome: failed ? 'failure' : 'success' });
    }
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
