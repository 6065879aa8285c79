import { createHash } from 'node:crypto';
import type { IntegrationConfigRow, RunRow } from '../db/database.types.ts';
import { dispatchEvents } from '../events/event.dispatch.ts';
import { connectorContext } from '../integrations/connector-context.factory.ts';
import type { HubContext } from '../server/hub-context.ts';
import { ConnectorError } from '../../connectors/sdk/failure.ts';
import { recordSuccess } from './failure.service.ts';
import { loadCursor, storePage } from './page.store.ts';
import { prefetched } from './prefetch.ts';
import { handleRunError, settleRun } from './run.settle.ts';
import type { PollMode } from '../../connectors/sdk/connector.types.ts';

function credentialsExpired(hub: HubContext, integration: IntegrationConfigRow): boolean {
  return integration.credentials_expires_at !== null && integration.credentials_expires_at <= hub.clock();
}

/** Pages through one stream, committing each page with its cursor, then finishes the run. */
export async function executePoll(hub: HubContext, run: RunRow, integration: IntegrationConfigRow): Promise<void> {
  const connector = hub.connectors.get(integration.connector);
  const stream = run.stream ? connector?.streams[run.stream] : undefined;
  if (!connector || !stream || !run.stream) {
    await settleRun(hub, run, { status: 'cancelled', errorMessage: `stream ${run.stream} is not offered by ${integration.connector}` });
    return;
  }
  const streamName = run.stream;
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
          run,
          records: page.records,
          cursor: page.cursor,
          now: hub.clock(),
        }),
      );
      for (const hash of stored.hashes) digest.update(hash);
      hub.metrics.events.inc({ source: 'poll' }, stored.eventsCreated);
      void dispatchEvents(hub, stored.eventIds);
    }
    const succeeded = await settleRun(hub, run, { status: 'succeeded', payloadHash: digest.digest('hex') }, () => recordSuccess(hub, integration, run));
    if (succeeded) hub.metrics.runs.inc({ connector: connector.id, kind: 'poll', status: 'succeeded' });
  } catch (error) {
    await handleRunError(hub, run, integration, error);
  }
}
