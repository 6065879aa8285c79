import { spawnHub, type HubProcess } from './hub-process.ts';
import { TEST_MASTER_KEYS } from './test-hub.ts';

// Several real hub processes (`hub start`) on one PostgreSQL database, one Redis and one queue
// prefix, as a production deployment runs them, for tests that kill them or what they depend on.
// Leases and reconciler passes are short, so what a dead process held is taken back in seconds.

export interface HubFleetOptions {
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
}

export interface ApiAnswer {
  status: number;
  json: any;
}

export interface HubFleet {
  readonly processes: HubProcess[];
  /** The ports of the processes that serve the API, in the order they started. */
  readonly apiPorts: number[];
  /** Starts one more process in `role` (api, worker, all); `await` its `started`. */
  spawn(role: string, env?: Record<string, string>): HubProcess;
  /**
   * Starts one process per role and waits for them: the first alone, since it migrates the
   * empty database and prints the admin token, then the others together.
   */
  boot(roles: string[]): Promise<void>;
  /** A call to the first API process with the admin token. */
  api(method: string, path: string, body?: unknown): Promise<ApiAnswer>;
  /** SIGKILLs every process it started: for afterAll, so a failed test leaves none running. */
  kill(): Promise<void>;
}

/** The admin token a hub's first start prints, in its `curl -H "Authorization: Bearer …"` line. */
export const ADMIN_TOKEN = /Bearer (hub_[A-Za-z0-9_-]{43})/;

/** A JSON call to the API of the hub process on `port`, as `token`. */
export async function callHubApi(port: number, token: string, method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

export function hubFleet(options: HubFleetOptions): HubFleet {
  const processes: HubProcess[] = [];
  const apiPorts: number[] = [];
  const adminToken = (): string => {
    for (const hub of processes) {
      const printed = ADMIN_TOKEN.exec(hub.stdout())?.[1];
      if (printed) return printed;
    }
    throw new Error('no hub process printed an admin token');
  };
  const fleet: HubFleet = {
    processes,
    apiPorts,
    spawn(role, env = {}) {
      const hub = spawnHub(['start'], {
        NODE_ENV: 'production',
        HUB_MASTER_KEYS: TEST_MASTER_KEYS,
        DATABASE_URL: options.databaseUrl,
        REDIS_URL: options.redisUrl,
        HUB_QUEUE_PREFIX: options.queuePrefix,
        HUB_ROLE: role,
        HUB_SHUTDOWN_TIMEOUT_MS: '3000',
        HUB_RUN_LEASE_SECONDS: '3',
        HUB_RECONCILE_INTERVAL_SECONDS: '1',
        LOG_LEVEL: 'info',
        ...env,
      });
      processes.push(hub);
      if (role !== 'worker') void hub.started.then((port) => apiPorts.push(port), () => undefined);
      return hub;
    },
    async boot([first, ...rest]) {
      if (first) await fleet.spawn(first).started;
      await Promise.all(rest.map((role) => fleet.spawn(role).started));
    },
    api: async (method, path, body) => callHubApi(apiPorts[0] ?? 0, adminToken(), method, path, body),
    async kill() {
      await Promise.all(processes.map((hub) => hub.stop('SIGKILL')));
    },
  };
  return fleet;
}
