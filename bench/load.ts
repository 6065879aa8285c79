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

export type LoadMessage = { ok: true; result: LoadResult } | { ok: false; message: string };

export const runMaxLoad = (spec: MaxLoadSpec) => runChild('./load.child.ts', spec);
export const runPacedLoad = (spec: PacedLoadSpec) => runChild('./paced-load.child.ts', spec);

function runChild(file: string, spec: MaxLoadSpec | PacedLoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    // process.execPath is the Node 24 that npm put on the PATH, so the child strips types too.
    const child = fork(fileURLToPath(new URL(file, import.meta.url)), [JSON.stringify(spec)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let message: LoadMessage | undefined;
    child.once('message', (received) => (message = received as LoadMessage));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (message?.ok) resolve(message.result);
      else reject(new Error(`load generator: ${message && !message.ok ? message.message : `exited with code ${code} before reporting`}`));
    });
  });
}
