import type { EnvironmentVariables } from '../config/config.schema.ts';
import { connectDatabase } from '../db/database.connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { createApp, createProbeApp } from '../http/app.ts';
import type { Logger } from '../logging/logger.ts';
import { createQueue } from '../queue/queue.create.ts';
import { resolveMasterKeys } from '../vault/master-key.file.ts';
import { assertKeysCoverRows } from '../vault/key-usage.ts';
import { assertKeysMatchRecorded, refuseRegeneratedKey } from '../vault/master-key.check.ts';
import type { MasterKeySet } from '../vault/master-keys.ts';
import { bootstrapDefaultTenant, tenantHasAdmin, type FirstStart } from './bootstrap.ts';
import type { HubContext } from './hub-context.ts';
import { listen, type HttpServer } from './http-server.ts';
import { startWorkers } from './job-handlers.ts';
import { createHubContext, jobRegistrations } from './hub-services.ts';
import { keepSchedules } from './schedule-keeper.ts';
import { scheduleMaintenance } from './maintenance.ts';
import { startupSummary } from './startup-summary.ts';
import { connectors } from '../../connectors/registry.ts';
import { webhookListener } from '../webhooks/webhook.listener.ts';
import { interactionFollowUpsSettled } from '../webhooks/interaction.runner.ts';
import { settlesWithin } from '../timing/deadline.ts';
import { handOverPolls } from '../runs/run-handover.ts';

const MIN_DATABASE_DRAIN_MS = 1_000;
// A poll cut short is handed back within a statement or two; past this, the queue's close goes on.
const HAND_OVER_WAIT_MS = 3_000;

export interface RunningHub {
  hub: HubContext;
  masterKeys: MasterKeySet;
  firstStart: FirstStart;
  /** Present when the role serves HTTP. */
  http?: HttpServer;
  /** Graceful: HTTP first (no new work), then the queue (jobs in flight finish), then the database. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /**
   * Called with the first admin token on the start that created it, before "hub started" is
   * logged, so whoever waits for that line has the token too.
   */
  announceFirstToken?: (token: string, port: number) => void;
}

export async function startHub(config: EnvironmentVariables, logger: Logger, options: StartOptions = {}): Promise<RunningHub> {
  const embedded = !config.DATABASE_URL;
  const masterKeys = resolveMasterKeys(config.HUB_MASTER_KEYS, config.HUB_DATA_DIR, config.HUB_MASTER_KEY_ENCRYPT_VERSION);

  logger.info({ database: embedded ? 'pglite' : 'postgres' }, 'opening the database');
  const database = await connectDatabase({
    url: config.DATABASE_URL,
    dataDir: config.HUB_DATA_DIR,
    poolSize: config.DATABASE_POOL_SIZE,
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS === 'on',
    queryTimeoutMs: config.DATABASE_QUERY_TIMEOUT_MS,
  });
  try {
    const applied = await migrateToLatest(database.migrationDb as never);
    if (applied.length > 0) logger.info({ migrations: applied.map((m) => m.migrationName) }, 'database migrated');
  } catch (error) {
    await database.close();
    throw error;
  }
  try {
    await refuseRegeneratedKey(database.db, masterKeys);
    await assertKeysCoverRows(database.db, masterKeys.keys);
    await assertKeysMatchRecorded(database.db, masterKeys.keys);
  } catch (error) {
    await database.close();
    throw error;
  }
  if (masterKeys.generatedAt) {
    logger.warn(
      { path: masterKeys.generatedAt },
      'generated a credential vault master key into the data directory; back it up, and set HUB_MASTER_KEYS in production',
    );
  }
  let queue: ReturnType<typeof createQueue>;
  let hub: HubContext;
  try {
    queue = createQueue({ redisUrl: config.REDIS_URL, prefix: config.HUB_QUEUE_PREFIX, logger });
    hub = createHubContext({ config, database, queue, logger, masterKeys: masterKeys.keys, connectors });
  } catch (error) {
    // The database is open (an embedded one holds its data directory): let go of it.
    await database.close();
    throw error;
  }

  let stopKeepingSchedules: (() => Promise<void>) | undefined;
  let http: HttpServer | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // One budget for the whole stop: what the HTTP drain used is not given to the queue again.
      const deadline = performance.now() + config.HUB_SHUTDOWN_TIMEOUT_MS;
      const remaining = () => Math.max(0, deadline - performance.now());
      // From the first moment no run starts, and polls in flight are cut short and go back to the
      // queue while it still takes jobs (run-handover.ts), beside the HTTP drain.
      const pollsHandedOver = handOverPolls(hub, Math.min(remaining(), HAND_OVER_WAIT_MS));
      await http?.close(remaining());
      // Interactions answered before the stop (a Slack button, a slow command) finish what they said they would.
      await settlesWithin(interactionFollowUpsSettled(hub), remaining());
      await stopKeepingSchedules?.();
      await pollsHandedOver;
      await queue.close(remaining());
      // Whatever still holds the database (a maintenance pass, a job past the budget) gets a moment
      // to commit or roll back whole, even when the drains above spent the budget.
      const drained = await database.close(Math.max(remaining(), MIN_DATABASE_DRAIN_MS));
      if (!drained) logger.warn('the database was still in use when the shutdown timeout ran out; what was in flight is rolled back');
      logger.info('hub stopped');
    })();
    return stopping;
  };

  let firstStart: FirstStart;
  try {
    if (config.HUB_ROLE !== 'api') {
      startWorkers(hub, jobRegistrations(hub));
      await scheduleMaintenance(hub);
      stopKeepingSchedules = await keepSchedules(hub);
    }
    if (config.HUB_ROLE !== 'worker') {
      http = await listen(createApp(hub), config.PORT, config.HOST, await webhookListener(hub), hub);
    } else if (config.HUB_PROBE_PORT !== undefined) {
      http = await listen(createProbeApp(hub), config.HUB_PROBE_PORT, config.HOST, undefined, hub);
    }
    // Last, once nothing else can fail, and announced at once: a first start that fails (Redis
    // down, an address it cannot listen on) leaves no tenant whose only admin token nobody saw,
    // and the next start makes and shows one.
    firstStart = await bootstrapDefaultTenant(database.db, config.HUB_DEFAULT_TENANT);
  } catch (error) {
    await stop().catch((stopError: unknown) => logger.warn({ err: stopError }, 'could not stop cleanly after a failed start'));
    throw error;
  }
  // The API's port: a worker's own server (HUB_PROBE_PORT) serves only /metrics and /api/health, so
  // its banner names PORT, which API processes beside it share (docker-compose).
  if (firstStart.adminToken) options.announceFirstToken?.(firstStart.adminToken, config.HUB_ROLE === 'worker' ? config.PORT : (http?.port ?? config.PORT));
  // A diagnostic only: should the check itself fail, the hub runs on without the hint.
  else if (!(await tenantHasAdmin(database.db, firstStart.tenantSlug, hub.clock()).catch(() => true))) {
    logger.warn(
      { tenant: firstStart.tenantSlug },
      `nobody can administer the tenant "${firstStart.tenantSlug}": it has no usable admin token and no admin user. Make a token with: npm run hub -- token create --tenant ${firstStart.tenantSlug} --role admin --name me${embedded ? ' (stop the hub first: it holds the data directory)' : ''}`,
    );
  }
  logger.info(startupSummary(config, { database: database.kind, queue: queue.kind, port: http?.port }), 'hub started');
  return { hub, masterKeys: masterKeys.keys, firstStart, ...(http ? { http } : {}), stop };
}
