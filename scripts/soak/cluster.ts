/**
 * The soak's server instances and the way its clients reach them: a load balancer in front of
 * several instances (health-checked: a dead instance leaves the rotation a moment after it dies and
 * comes back once /health answers), and an HTTP client that retries as identity providers do.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { productionNodeFlags, schedulerSeconds, SERVER, StartedProcess, startProcess } from '../bench/server-process';

/** How long the load balancer takes to notice a dead instance (its health-check interval). */
const HEALTH_CHECK_MS = 1_000;
/** A request that gets no answer for this long counts as a stall (and is retried like a cut one). */
const REQUEST_TIMEOUT_MS = 120_000;
/** How long a client keeps retrying one request on cut or refused connections and 5xx before it gives up. */
const RETRY_BUDGET_MS = 60_000;

export class Instance {
  process: StartedProcess;
  /** Bumped on each restart: a request sent to a generation that was killed was cut by the kill. */
  generation = 0;
  readonly killedGenerations = new Set<number>();
  inRotation = true;
  /** CPU time of the processes this instance ran before its current one (schedulerSeconds). */
  private past = { ran: 0, waited: 0 };
  private atMark = { ran: 0, waited: 0 };
  /** Output of the processes this instance ran before its current one. */
  private pastOutput = '';
  private expectedExit = false;
  unexpectedExit?: string;

  constructor(
    readonly index: number,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.process = await startProcess(SERVER, [], { ...this.env, PORT: String(this.port) }, { nodeFlags: productionNodeFlags() });
    this.expectedExit = false;
    const child = this.process.child;
    child.once('exit', (code, signal) => {
      if (this.expectedExit || this.process.child !== child) return;
      this.unexpectedExit = `instance ${this.index + 1} exited on its own (${signal ?? `code ${code}`}): …${this.process.output().slice(-600)}`;
      this.inRotation = false;
    });
  }

  /** SIGKILL, as an out-of-memory killer or a pulled plug would; then a start of the same instance. */
  async killAndRestart(): Promise<{ killedAt: number; backAt: number }> {
    this.killedGenerations.add(this.generation);
    const last = this.scheduler();
    this.past = { ran: this.past.ran + last.ran, waited: this.past.waited + last.waited };
    this.expectedExit = true;
    const exited = new Promise((resolveExit) => this.process.child.once('exit', resolveExit));
    this.process.child.kill('SIGKILL');
    const killedAt = performance.now();
    await exited;
    this.pastOutput += this.process.output();
    // The load balancer notices a health check later; until then requests meet a closed port.
    const noticed = sleep(HEALTH_CHECK_MS).then(() => (this.inRotation = false));
    await this.start();
    // Requests sent until now met the killed process or a closed port: the kill's doing.
    this.generation += 1;
    await noticed;
    this.inRotation = true;
    return { killedAt, backAt: performance.now() };
  }

  async stop(): Promise<void> {
    this.expectedExit = true;
    if (!this.process || this.process.child.exitCode !== null || this.process.child.signalCode !== null) return;
    await new Promise((resolveExit) => {
      this.process.child.once('exit', resolveExit);
      this.process.child.kill('SIGTERM');
    });
  }

  /** Seconds this instance's processes (a restart included) ran on a CPU, and waited for one, since the last mark. */
  markCpu(): { ran: number; waited: number } {
    const now = this.scheduler();
    const total = { ran: this.past.ran + now.ran, waited: this.past.waited + now.waited };
    const used = { ran: total.ran - this.atMark.ran, waited: total.waited - this.atMark.waited };
    this.atMark = total;
    return used;
  }

  output(): string {
    return this.pastOutput + (this.process?.output() ?? '');
  }

  private scheduler(): { ran: number; waited: number } {
    try {
      return schedulerSeconds(this.process.child.pid!);
    } catch {
      return { ran: 0, waited: 0 }; // already gone
    }
  }
}

/** What the clients saw, over every request they sent (retries included). */
export class Traffic {
  readonly statuses = new Map<number, number>();
  /** Connections cut, or refused, by the killed instance: the kill's doing, not a server error. */
  cutByKill = 0;
  refusedByKill = 0;
  /** Connections cut or refused, or requests unanswered for REQUEST_TIMEOUT_MS, on an instance that was not killed. */
  connectionErrorsOnLive = 0;
  /** Requests given up after RETRY_BUDGET_MS of retries: their outcome is unknown to the client. */
  gaveUp = 0;
  retries = 0;
  readonly samples: { fivexx: string[]; connection: string[] } = { fivexx: [], connection: [] };

  count(status: number): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
  }

  get requests(): number {
    let total = 0;
    for (const n of this.statuses.values()) total += n;
    return total + this.cutByKill + this.refusedByKill + this.connectionErrorsOnLive;
  }

  get fivexx(): number {
    let total = 0;
    for (const [status, n] of this.statuses) if (status >= 500) total += n;
    return total;
  }
}

export interface Answer {
  /** The status of the answer the client acted on; 0 when it gave up. */
  status: number;
  body: any;
  /** Whether an earlier attempt may have been carried out without the client hearing of it (cut, or a 5xx). */
  mayHaveHappened: boolean;
  /** Whether the client gave up: the request may or may not have been carried out. */
  unknown: boolean;
}

export interface Request {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Under /v1.0: `/scim/v2/Users`, `/settings/role-mappings`. */
  path: string;
  key: string;
  body?: unknown;
}

/** The load balancer and the retrying client every identity provider and admin of the soak shares. */
export class Cluster {
  private next = 0;

  constructor(
    readonly instances: Instance[],
    readonly traffic: Traffic,
  ) {}

  /** The next instance in rotation (round-robin), or undefined while none is. */
  pick(): Instance | undefined {
    for (let i = 0; i < this.instances.length; i++) {
      const instance = this.instances[this.next++ % this.instances.length];
      if (instance.inRotation) return instance;
    }
    return undefined;
  }

  /**
   * Sends a request as an identity provider does: spread over the instances in rotation; a refused
   * connection is retried at once on another, a cut one, a 5xx or a stall too (the first attempt may
   * have been carried out: `mayHaveHappened`); a 429 after its Retry-After. Gives up after
   * RETRY_BUDGET_MS (`unknown`).
   */
  async send(request: Request): Promise<Answer> {
    const deadline = performance.now() + RETRY_BUDGET_MS;
    let mayHaveHappened = false;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) this.traffic.retries += 1;
      if (performance.now() > deadline) {
        this.traffic.gaveUp += 1;
        return { status: 0, body: undefined, mayHaveHappened, unknown: mayHaveHappened };
      }
      const instance = this.pick();
      if (!instance) {
        await sleep(100);
        continue;
      }
      const generation = instance.generation;
      let status: number;
      let text: string;
      let retryAfter: string | null;
      try {
        const response = await fetch(`${instance.url}/v1.0${request.path}`, {
          method: request.method,
          headers: {
            authorization: `Bearer ${request.key}`,
            ...(request.body === undefined
              ? {}
              : { 'content-type': request.path.startsWith('/scim/') ? 'application/scim+json' : 'application/json' }),
          },
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        status = response.status;
        retryAfter = response.headers.get('retry-after');
        text = await response.text();
      } catch (error) {
        const refused = connectionRefused(error);
        if (instance.killedGenerations.has(generation)) {
          if (refused) this.traffic.refusedByKill += 1;
          else this.traffic.cutByKill += 1;
        } else {
          this.traffic.connectionErrorsOnLive += 1;
          sample(
            this.traffic.samples.connection,
            `${request.method} ${request.path} on instance ${instance.index + 1}: ${describe(error)}`,
          );
        }
        // A refused connection never reached a server; a cut one may have been carried out.
        if (!refused) mayHaveHappened = true;
        await sleep(Math.min(1_000, 50 * 2 ** Math.min(attempt, 5)));
        continue;
      }
      this.traffic.count(status);
      if (status === 429) {
        await sleep(1_000 * Math.max(1, Number(retryAfter) || 1));
        continue;
      }
      if (status >= 500) {
        sample(
          this.traffic.samples.fivexx,
          `${request.method} ${request.path} on instance ${instance.index + 1}: ${status} ${text}`,
        );
        mayHaveHappened = true;
        await sleep(Math.min(1_000, 50 * 2 ** Math.min(attempt, 5)));
        continue;
      }
      return { status, body: text ? JSON.parse(text) : undefined, mayHaveHappened, unknown: false };
    }
  }
}

function connectionRefused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code === 'ECONNREFUSED';
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return `${(error as Error).message}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`;
}

function sample(list: string[], line: string): void {
  if (list.length < 10) list.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
}
