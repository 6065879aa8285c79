import { createBreakerRegistry, type BreakerRegistry } from '../../connectors/sdk/breaker-registry.ts';
import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import type { EnvironmentVariables } from '../config/config.schema.ts';
import { createConnectorRegistry } from '../connectors/connector-registry.ts';
import type { DatabaseHandle } from '../db/database.connect.ts';
import { eventJobRegistrations } from '../events/event.processor.ts';
import { createMetrics } from '../http/metrics.ts';
import { openBreakersView, shareBreakerChange } from '../health/breaker-state.ts';
import { registerHealthMetrics } from '../health/health.metrics.ts';
import { onIntegrationChanged } from '../integrations/integration-changed.ts';
import { integrationsInUse } from '../integrations/integrations-in-use.ts';
import type { Logger } from '../logging/logger.ts';
import type { JobQueue } from '../queue/queue.types.ts';
import { runJobRegistrations } from '../runs/run.worker.ts';
import type { MasterKeySet } from '../vault/master-keys.ts';
import type { HubContext } from './hub-context.ts';
import type { JobRegistration } from './job-handlers.ts';
import { maintenanceJobRegistrations } from './maintenance.ts';

export interface HubParts {
  config: EnvironmentVariables;
  database: DatabaseHandle;
  queue: JobQueue;
  logger: Logger;
  masterKeys: MasterKeySet;
  connectors: readonly AnyConnector[];
  clock?: () => Date;
  breakers?: BreakerRegistry;
}

/** Breakers that tell every process of their changes, and hold back while another holds one open. */
function sharedBreakerRegistry(parts: HubParts): BreakerRegistry {
  const { db } = parts.database;
  const others = openBreakersView(db, parts.logger);
  return createBreakerRegistry({
    resetTimeoutMs: parts.config.HUB_BREAKER_OPEN_SECONDS * 1000,
    onStateChange: (key, change) => {
      others.note(key, change);
      void shareBreakerChange(db, parts.logger, key, change);
    },
    openElsewhere: (key) => others.heldOpen(key),
    stillInUse: (keys) => integrationsInUse(db, parts.logger, keys),
  });
}

/** Assembles the runtime's context; the server and the tests build it the same way. */
export function createHubContext(parts: HubParts): HubContext {
  const hub: HubContext = {
    config: parts.config,
    database: parts.database,
    db: parts.database.db,
    queue: parts.queue,
    logger: parts.logger,
    clock: parts.clock ?? (() => new Date()),
    connectors: createConnectorRegistry(parts.connectors),
    masterKeys: parts.masterKeys,
    breakers: parts.breakers ?? sharedBreakerRegistry(parts),
    metrics: createMetrics(parts.connectors),
  };
  registerHealthMetrics(hub);
  // A deletion made here drops its breaker at once; other processes drop theirs at their next sweep.
  onIntegrationChanged(hub, (integrationId) => void hub.breakers.forgetGone([integrationId]));
  return hub;
}

/** Every queue a worker consumes. */
export function jobRegistrations(hub: HubContext): JobRegistration[] {
  return [...runJobRegistrations(hub), ...eventJobRegistrations(hub), ...maintenanceJobRegistrations(hub)];
}
