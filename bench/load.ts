import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The bench's side of the load generators: each run is a child process (see load.child.ts for why).

interface CommonSpec {
  url: string;
  connections: number;
  durationSeconds: number;
  /** Standard Webhooks secret the requests are signed with. */
  secret: string;
  /** Requests signed before the clock starts. */
  poolSize: number;
}

/** As fast as the server answers (autocannon, closed loop). */
export interface MaxLoadSpec extends CommonSpec {
  /** Reuse the pool from the start when it runs out (ids repeat: fine for a server that ignores them). */
  cycle: boolean;
}

/** A fixed rate, evenly spread (open loop). */
export interface PacedLoadSpec extends CommonSpec {
  rate: number;
}

export interface LoadResult {
  durationSeconds: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  ok2xx: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  /**
   * Requests sent but not answered when the phase ended: autocannon stops on the clock and drops
   * what is in flight, and the server may still commit those.
   */
  sentWithoutAnswer: number;
  /** Requests signed inside the timed window because the pool ran out. */
  signedDuringRun: number;
  /** Event ids from the 2xx answers (the hub lists what it committed). */
  acknowledgedEventIds: string[];
}

/** `started`: the requests are signed and the clock runs; then one result or failure. */
export type LoadMessage = { started: true } | { ok: true; result: LoadResult } | { ok: false; message: string };

/** `onStarted` runs when the generator's clock starts, after it has signed its requests. */
export const runMaxLoad = (spec: MaxLoadSpec, onStarted?: () => void) => runChild('./load.child.ts', spec, onStarted);
export const runPacedLoad = (spec: PacedLoadSpec, onStarted?: () => void) => runChild('./paced-load.child.ts', spec, onStarted);

function runChild(file: string, spec: MaxLoadSpec | PacedLoadSpec, onStarted = () => {}): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    // process.execPath is the Node 24 that npm put on the PATH, so the child strips types too.
    // --expose-gc: the child collects the garbage of building its requests before its clock starts.
    const child = fork(fileURLToPath(new URL(file, import.meta.url)), [JSON.stringify(spec)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...process.execArgv, '--expose-gc'] });
    let message: Exclude<LoadMessage, { started: true }> | undefined;
    child.on('message', (received: LoadMessage) => {
      if ('started' in received) onStarted();
      else message = received;
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (message?.ok) resolve(message.result);
      else reject(new Error(`load generator: ${message && !message.ok ? message.message : `exited with code ${code} before reporting`}`));
    });
  });
}

/**
 * A full collection in a load generator before its clock starts: signing and serialising tens of
 * thousands of requests leaves a heap whose major collection, tens of milliseconds with helper
 * threads on every core, otherwise lands in the first second of the measurement and shows up as
 * the server's tail latency.
 */
export function collectGarbageBeforeTheClock(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
