import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, callHubApi, type ApiAnswer } from './hub-fleet.ts';
import { spawnHub, type HubProcess } from './hub-process.ts';

// Real `hub start` processes in embedded mode (PGlite in a temporary HUB_DATA_DIR, the in-process
// queue), one after another on the same data directory, for tests that kill one and start the
// next on what it left: only a process the kernel ends mid-write shows what a crash loses.
// Leases and reconciler passes are short, so a run the dead process held is taken back in seconds.

export interface EmbeddedHub {
  readonly dataDir: string;
  /** What every process gets; pass it to `runHubCommand` to run the CLI on the same data. */
  readonly env: Record<string, string>;
  /** The process started last. */
  readonly process: HubProcess;
  /** The port of the process started last, once its `start` resolved. */
  readonly port: number;
  /** Starts `hub start` on the data directory and resolves with its port once it serves. */
  start(): Promise<number>;
  /** A call to the process started last, with the admin token the first start printed. */
  api(method: string, path: string, body?: unknown): Promise<ApiAnswer>;
  /** kill -9 of the running process: no shutdown path runs, as in a crash or an OOM kill. */
  crash(): Promise<void>;
  /** SIGKILLs every process it started and removes the data directory: for afterAll. */
  remove(): Promise<void>;
}

export function embeddedHub(name: string): EmbeddedHub {
  const dataDir = mkdtempSync(join(tmpdir(), `hub-${name}-`));
  const env = {
    HUB_DATA_DIR: dataDir,
    HUB_SHUTDOWN_TIMEOUT_MS: '5000',
    HUB_RUN_LEASE_SECONDS: '3',
    HUB_RECONCILE_INTERVAL_SECONDS: '1',
    LOG_LEVEL: 'info',
  };
  const processes: HubProcess[] = [];
  let port = 0;
  let adminToken = '';
  const last = (): HubProcess => {
    const hub = processes.at(-1);
    if (!hub) throw new Error('no hub started yet');
    return hub;
  };
  return {
    dataDir,
    env,
    get process() {
      return last();
    },
    get port() {
      return port;
    },
    async start() {
      const hub = spawnHub(['start'], env);
      processes.push(hub);
      port = await hub.started;
      adminToken ||= ADMIN_TOKEN.exec(hub.stdout())?.[1] ?? '';
      return port;
    },
    api: (method, path, body) => callHubApi(port, adminToken, method, path, body),
    async crash() {
      await last().stop('SIGKILL');
    },
    async remove() {
      await Promise.all(processes.map((hub) => hub.stop('SIGKILL')));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A test file's embedded hubs, each on its own data directory; `removeAll` in afterAll. */
export function embeddedHubs(): { started(name: string): Promise<EmbeddedHub>; removeAll(): Promise<void> } {
  const hubs: EmbeddedHub[] = [];
  return {
    async started(name) {
      const hub = embeddedHub(name);
      hubs.push(hub);
      await hub.start();
      return hub;
    },
    async removeAll() {
      for (const hub of hubs.splice(0)) await hub.remove();
    },
  };
}
