/**
 * The soak's watcher, in a worker thread of its own (so that the load generator's event loop does
 * not add to what it measures): another organization reading one of its users with sequential
 * `GET /Users/{id}`, spread over the instances in rotation, first alone ("idle"), then under load.
 * Each answered request's latency is kept with the time it was sent; a request whose connection was
 * cut or refused (the killed instance) is not timed, and is sent again to the next instance.
 *
 * After each request it sends the same one to a control: a bare node:http server answering fixed
 * JSON (scripts/bench/bare-server.ts) on the same machine. Its latency under load is what the
 * machine's CPU scheduling alone adds (other processes, the database, the load generator), with no
 * product in the way.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

export interface WatcherInput {
  urls: string[];
  controlUrl: string;
  key: string;
  userId: string;
}

export type WatcherMessage = { rotation: boolean[] } | { phase: 'idle' | 'load' | 'stop' };

export interface WatcherSample {
  /** Epoch milliseconds when the request was sent. */
  at: number;
  ms: number;
}

type Phase = 'idle' | 'load';

export interface WatcherResult {
  idle: WatcherSample[];
  load: WatcherSample[];
  control: Record<Phase, WatcherSample[]>;
  connectionErrors: number;
  /** Answers other than 200 (a 5xx here is counted in the report's 5xx too). */
  otherStatuses: Record<string, number>;
  /** p99 of this thread's own event-loop delay under load, ms: how late the watcher itself runs. */
  loopDelayP99Ms: number;
}

const input = workerData as WatcherInput;
let rotation = input.urls.map(() => true);
let phase: Phase | 'stop' | 'waiting' = 'waiting';
const result: WatcherResult = {
  idle: [],
  load: [],
  control: { idle: [], load: [] },
  connectionErrors: 0,
  otherStatuses: {},
  loopDelayP99Ms: 0,
};
const delay = monitorEventLoopDelay({ resolution: 10 });

parentPort!.on('message', (message: WatcherMessage) => {
  if ('rotation' in message) rotation = message.rotation;
  else {
    phase = message.phase;
    if (phase === 'load') delay.enable();
  }
});

/** One timed GET: its sample, or its status when not 200, or undefined when the connection failed. */
async function timed(url: string, key?: string): Promise<WatcherSample | number | undefined> {
  const at = performance.timeOrigin + performance.now();
  try {
    const response = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    await response.arrayBuffer();
    if (response.status !== 200) return response.status;
    return { at, ms: performance.timeOrigin + performance.now() - at };
  } catch {
    return undefined;
  }
}

async function run(): Promise<void> {
  let next = 0;
  while (phase !== 'stop') {
    const live = input.urls.filter((_, i) => rotation[i]);
    if (phase === 'waiting' || !live.length) {
      await new Promise((resolveLater) => setTimeout(resolveLater, 20));
      continue;
    }
    const sentIn = phase;
    const answer = await timed(`${live[next++ % live.length]}/v1.0/scim/v2/Users/${input.userId}`, input.key);
    if (answer === undefined) result.connectionErrors += 1;
    else if (typeof answer === 'number') result.otherStatuses[answer] = (result.otherStatuses[answer] ?? 0) + 1;
    else result[sentIn].push(answer);
    const control = await timed(`${input.controlUrl}/v1.0/scim/v2/Users/1`);
    if (typeof control === 'object') result.control[sentIn].push(control);
  }
  delay.disable();
  result.loopDelayP99Ms = delay.percentile(99) / 1e6;
  parentPort!.postMessage(result);
}

void run();
