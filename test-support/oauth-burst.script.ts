// A stand-alone process for the single-flight OAuth test: builds the hub's services on the shared
// database, waits for START_AT so both processes fire together, then makes CALLERS concurrent
// ServiceNow requests for one integration and prints how they went.
import { setTimeout as sleep } from 'node:timers/promises';
import { connectors } from '../connectors/registry.ts';
import { loadConfig } from '../core/config/config.load.ts';
import { connectDatabase } from '../core/db/database.connect.ts';
import { connectorContext } from '../core/integrations/connector-context.factory.ts';
import { createLogger } from '../core/logging/logger.ts';
import { createMemoryQueue } from '../core/queue/memory.queue.ts';
import { createHubContext } from '../core/server/hub-services.ts';
import { resolveMasterKeys } from '../core/vault/master-key.file.ts';

const config = loadConfig();
const database = await connectDatabase({ url: config.DATABASE_URL, dataDir: config.HUB_DATA_DIR, poolSize: 10 });
const hub = createHubContext({
  config,
  database,
  queue: createMemoryQueue(),
  logger: createLogger({ level: 'silent' }),
  masterKeys: resolveMasterKeys(config.HUB_MASTER_KEYS, config.HUB_DATA_DIR).keys,
  connectors,
});
const integration = await hub.db.selectFrom('integration_configs').selectAll().where('id', '=', process.env['INTEGRATION_ID'] ?? '').executeTakeFirstOrThrow();
const connector = hub.connectors.get(integration.connector);
if (!connector) throw new Error('no connector');

await sleep(Math.max(0, Number(process.env['START_AT']) - Date.now()));
const results = await Promise.allSettled(
  Array.from({ length: Number(process.env['CALLERS'] ?? 50) }, () =>
    connectorContext(hub, connector, integration).http.request({ url: '/api/now/table/incident', query: { sysparm_limit: 1 } }),
  ),
);
process.stdout.write(
  JSON.stringify({
    ok: results.filter((r) => r.status === 'fulfilled' && r.value.status === 200).length,
    errors: results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : [])),
  }) + '\n',
);
await database.close();
