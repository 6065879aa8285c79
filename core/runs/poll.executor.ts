import { createHash } from 'node:crypto';
import type { IntegrationConfigRow, RunRow } from '../db/database.types.ts';
import { dispatchEvents } from '../events/event.dispatch.ts';
import { connectorContext } from '../integrations/connector-context.factory.ts';
import type { HubContext } from '../server/hub-context.ts';
import { ConnectorError } from '../../connectors/sdk/failure.ts';
import { recordFinalFailure, recordSuccess } from './failure.service.ts';
import { MAX_RUN_ATTEMPTS, retryDelayMs, toFailure } from './failure.ts';
import { loadCursor, storePage } from './page.store.ts';
import { prefetched } from './prefetch.ts';
import { finishRun, requeueRun } from './run.repository.ts';
import { enqueueRun } from './run.jobs.ts';
import type { PollMode } from '../../connectors/sdk/connector.types.ts';

/** How often a running run proves it is alive; the reconciler takes over runs that stop. */
export function heartbeatEveryMs(hub: HubContext): number {
  return Math.max(200, Math.floor((hub.config.HUB_RUN_LEASE_SECONDS * 1000) / 3));
}

function credentialsExpired(hub: HubContext, integration: IntegrationConfigRow): boolean {
  return integration.credentials_expires_at !== null && integration.credentials_expires_at <= hub.clock();
}

/** Pages through one stream, committing each page with its cursor, then finishes the run. */
export async function executePoll(hub: HubContext, run: RunRow, integration: IntegrationConfigRow): Promise<void> {
  const connector = hub.connectors.get(integration.connector);
  const stream = run.stream ? connector?.streams[run.stream] : undefined;
  if (!connector || !stream || !run.stream) {
    await finishRun(hub.db, run, { status: 'cancelled', finishedAt: hub.clock(), errorMessage: `stream ${run.stream} is not offered by ${integration.connector}` });
    return;
  }
  const streamName = run.stream;
  const heartbeat = setInterval(() => {
    hub.db.updateTable('integration_runs').set({ heartbeat_at: hub.clock() }).where('id', '=', run.id).where('status', '=', 'running').execute().catch(() => undefined);
  }, heartbeatEveryMs(hub));
  try {
    if (credentialsExpired(hub, integration)) {
      throw new ConnectorError('auth_expired', `the credentials of ${integration.name} expired on ${integration.credentials_expires_at?.toISOString()}`);
    }
    const ctx = connectorContext(hub, connector, integration);
    const mode: PollMode = run.mode === 'full' ? 'full' : 'incremental';
    const cursor = mode === 'full' ? undefined : await loadCursor(hub.db, integration.id, streamName);
    const digest = createHash('sha256');
    // The next page is fetched while this one commits.
    for await (const page of prefetched(stream.poll(ctx, cursor, mode))) {
      const stored = await hub.db.transaction().execute((trx) =>
        storePage(trx, {
          tenantId: integration.tenant_id,
          integrationId: integration.id,
          stream: streamName,
          runId: run.id,
          records: page.records,
          cursor: page.cursor,
          now: hub.clock(),
        }),
      );
      for (const hash of stored.hashes) digest.update(hash);
      void dispatchEvents(hub, stored.eventIds);
    }
    // Tasks first, run status last: whoever sees the run finished also sees its consequences.
    await recordSuccess(hub, integration);
    await finishRun(hub.db, run, { status: 'succeeded', finishedAt: hub.clock(), payloadHash: digest.digest('hex') });
    hub.metrics.runs.inc({ connector: connector.id, kind: 'poll', status: 'succeeded' });
  } catch (error) {
    await handleRunError(hub, run, integration, error);
  } finally {
    clearInterval(heartbeat);
  }
}

/** Transient failures go back to the queue with a delay; the rest fail the run and open a task. */
export async function handleRunError(hub: HubContext, run: RunRow, integration: IntegrationConfigRow, error: unknown): Promise<void> {
  const failure = toFailure(error);
  const connector = integration.connector;
  if (failure.transient && failure.code !== 'circuit_open' && run.attempts < MAX_RUN_ATTEMPTS) {
    const delayMs = retryDelayMs(failure, run.attempts);
    await requeueRun(hub.db, run.id, new Date(hub.clock().getTime() + delayMs), failure);
    await enqueueRun(hub, run.id, delayMs);
    hub.metrics.runs.inc({ connector, kind: run.kind, status: 'retrying' });
    hub.logger.info({ runId: run.id, code: failure.code, attempt: run.attempts, delayMs }, 'run will be retried');
    return;
  }
  await recordFinalFailure(hub, integration, run, failure);
  await finishRun(hub.db, run, { status: 'failed', finishedAt: hub.clock(), errorCode: failure.code, errorMessage: failure.message });
  hub.metrics.runs.inc({ connector, kind: run.kind, status: 'failed' });
}
