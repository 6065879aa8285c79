import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig } from '../core/config/config.load.ts';
import { createLogger } from '../core/logging/logger.ts';
import { startHub, type RunningHub } from '../core/server/hub.server.ts';
import { spawnHub, type HubProcess } from '../test-support/hub-process.ts';
import { deleteRedisKeys } from '../test-support/redis-keys.ts';
import { testRedisUrl } from '../test-support/test-database.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../test-support/schedules-off.ts';

// The hub under test is started with the production entry points, not the test harness: same pool
// size, BullMQ queue and request logging as a deployed hub, so the figures describe what users
// run. By default it is deployed the scale-out way: an API process (`startHub`, HUB_ROLE=api, in
// the bench's process so its CPU and event loop can be watched) and one worker process (the `hub`
// CLI, HUB_ROLE=worker) that routes events and runs polls. `topology: 'single'` runs everything
// in one process (HUB_ROLE=all) instead. Only the infrastructure is private: a fresh database and
// a fresh BullMQ prefix, both removed by close().

export type Topology = 'split' | 'single';

const adminUrl = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchHub {
  running: RunningHub;
  topology: Topology;
  /** The worker process of the split topology. */
  workerPid: number | undefined;
  baseUrl: string;
  databaseUrl: string;
  databaseName: string;
  queuePrefix: string;
  adminToken: string;
  /** JSON request against the hub's own HTTP API with the admin token; throws on an unexpected status. */
  api(method: string, path: string, body: unknown, expectStatus: number): Promise<any>;
  close(): Promise<void>;
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** `env` overrides the hub's environment (e.g. LOG_LEVEL) for what-if runs. */
export async function startBenchHub(topology: Topology = 'split', env: Record<string, string> = {}): Promise<BenchHub> {
  const suffix = randomBytes(4).toString('hex');
  const databaseName = `hub_bench_${suffix}`;
  const queuePrefix = `hub-bench-${suffix}`;
  await withAdmin((client) => client.query(`create database "${databaseName}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${databaseName}`;
  const databaseUrl = url.toString();

  // Production logs one JSON line per request; writing them to /dev/null keeps that cost in the
  // measurement without flooding the benchmark's own output.
  const logDestination = pino.destination({ dest: '/dev/null', sync: true });
  const logger = createLogger({ level: env['LOG_LEVEL'] ?? 'info', destination: logDestination });
  const shared = {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    REDIS_URL: testRedisUrl(),
    HUB_QUEUE_PREFIX: queuePrefix,
    HUB_MASTER_KEYS: `1:${randomBytes(32).toString('base64')}`,
    HUB_DEFAULT_TENANT: 'bench',
    // The fake upstreams listen on 127.0.0.1, which production refuses by default.
    HUB_UPSTREAM_ADDRESSES: 'any',
    LOG_LEVEL: 'info',
    ...env,
  };
  let running: RunningHub;
  let worker: HubProcess | undefined;
  try {
    running = await startHub(loadConfig({ ...shared, HUB_ROLE: topology === 'split' ? 'api' : 'all', PORT: '0', HOST: '127.0.0.1' }), logger);
    if (topology === 'split') {
      // The worker's log lines go to a pipe the bench drains, as a deployed worker's go to its collector.
      worker = spawnHub(['start'], { ...shared, HUB_ROLE: 'worker' });
      await worker.started;
    }
  } catch (error) {
    await worker?.stop();
    await withAdmin((client) => client.query(`drop database if exists "${databaseName}" with (force)`));
    await deleteRedisKeys(queuePrefix);
    throw error;
  }
  const adminToken = running.firstStart.adminToken;
  if (!adminToken || !running.http) throw new Error('bench: the hub did not create its first admin token or did not listen');
  const baseUrl = `http://127.0.0.1:${running.http.port}`;

  return {
    running,
    topology,
    workerPid: worker?.child.pid,
    baseUrl,
    databaseUrl,
    databaseName,
    queuePrefix,
    adminToken,
    async api(method, path, body, expectStatus) {
      const response = await fetch(`${baseUrl}${path}`, {
        method: method.toUpperCase(),
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (response.status !== expectStatus) throw new Error(`bench: ${method} ${path} answered ${response.status}, expected ${expectStatus}: ${text}`);
      return text ? JSON.parse(text) : undefined;
    },
    async close() {
      // Each step runs even when an earlier one fails, so a broken run still leaves nothing behind.
      const steps = [
        async () => {
          await worker?.stop();
        },
        () => running.stop(),
        () => withAdmin((client) => client.query(`drop database if exists "${databaseName}" with (force)`)),
        () => deleteRedisKeys(queuePrefix),
      ];
      const failures: unknown[] = [];
      for (const step of steps) await step().catch((error: unknown) => failures.push(error));
      logDestination.end();
      if (failures.length > 0) throw failures[0];
    },
  };
}

/** A ServiceNow integration created through the hub's API, as an admin would. */
export async function createServiceNowIntegration(
  bench: BenchHub,
  options: { name: string; instanceUrl: string; webhookSecret?: string; pageSize?: number },
): Promise<{ id: string }> {
  return bench.api('post', '/api/integrations', {
    connector: 'servicenow',
    name: options.name,
    config: { instanceUrl: options.instanceUrl, ...(options.pageSize ? { pageSize: options.pageSize } : {}) },
    credentials: { auth: { type: 'basic', username: 'u', password: 'p' }, ...(options.webhookSecret ? { webhookSecret: options.webhookSecret } : {}) },
    // Scheduled polls would fire at once and compete with the measurement.
    schedules: SERVICENOW_SCHEDULES_OFF,
  }, 201);
}
