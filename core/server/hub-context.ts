import type { Kysely } from 'kysely';
import type { EnvironmentVariables } from '../config/config.schema.ts';
import type { ConnectorRegistry } from '../connectors/connector-registry.ts';
import type { DatabaseHandle } from '../db/database.connect.ts';
import type { Database } from '../db/database.types.ts';
import type { HubMetrics } from '../http/metrics.ts';
import type { Logger } from '../logging/logger.ts';
import type { JobQueue } from '../queue/queue.types.ts';
import type { MasterKeySet } from '../vault/master-keys.ts';
import type { BreakerRegistry } from '../../connectors/sdk/breaker-registry.ts';

/** What every service of the runtime is built from. The clock is injected so tests control time. */
export interface HubContext {
  config: EnvironmentVariables;
  database: DatabaseHandle;
  db: Kysely<Database>;
  queue: JobQueue;
  logger: Logger;
  clock: () => Date;
  connectors: ConnectorRegistry;
  masterKeys: MasterKeySet;
  breakers: BreakerRegistry;
  metrics: HubMetrics;
}
