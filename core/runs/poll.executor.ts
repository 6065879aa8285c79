import type { IntegrationConfigRow, RunRow } from '../db/database.types.ts';
import { dispatchEvents } from '../events/event.dispatch.ts';
import { connectorContext } from '../integrations/connector-context.factory.ts';
import type { HubContext } from '../server/hub-context.ts';
import { ConnectorError } from '../../connectors/sdk/failure.ts';
import { recordSuccess } from './failure.service.ts';
import { loadCursor, storePage } from './page.store.ts';
import { prefetched } from './prefetch.ts';
import { POLL_QUEUE, pollScheduleId } from '../scheduler/schedule.service.ts';
import { handleRunError, settleRun } from './run.settle.ts';
import { handBack, pollStopSignal } from './run-handover.ts';
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
    // Left for a process that offers it for as long as an upgrade takes (run-offered.ts), it found
    // none: no process does (a rollback, a stream a later version dropped), and the schedule that
    // made it would make another such run at every fire. The schedule keepers of a version that
    // offers it put it back.
    if (run.trigger === 'schedule' && run.stream) {
      await hub.queue.removeSchedule(POLL_QUEUE, pollScheduleId(integration.id, run.stream)).catch(() => undefined);
    }
    return;
  }
  const streamName = run.stream;
  try {
    if (credentialsExpired(hub, integration)) {
      throw new ConnectorError('auth_expired', `the credentials of ${integration.name} expired on ${integration.credentials_expires_at?.toISOString()}`);
    }
    const ctx = connectorContext(hub, connector, integration, { signal: pollStopSignal(hub) });
    const saved = await loadCursor(hub.db, integration.id, streamName);
    // A full run reads the stream from the start on its first pass. A later attempt of it (a retry
    // after a transient failure, a take-over after its worker died) goes on after the last page an
    // earlier attempt committed, as an incremental poll from that page's cursor: the cursor row
    // names the run whose page saved it, and only this run's own attempts can have saved one under
    // its id. Read again from the start, the committed pages would count twice in the run.
    const fromStart = run.mode === 'full' && saved?.runId !== run.id;
    const mode: PollMode = fromStart ? 'full' : 'incremental';
    const cursor = fromStart ? undefined : saved?.cursor;
    let firstPage = true;
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
          restartsPayloadHash: fromStart && firstPage,
        }),
      );
      firstPage = false;
      if (stored.recordsMadeStorable > 0) {
        // How many, never what: the values are upstream data.
        hub.logger.warn(
          { runId: run.id, integrationId: integration.id, stream: streamName, records: stored.recordsMadeStorable },
          'polled records held a NUL character or a lone UTF-16 surrogate, which PostgreSQL cannot store; each such character was stored as U+FFFD',
        );
      }
      hub.metrics.events.inc({ source: 'poll' }, stored.eventsCreated);
      void dispatchEvents(hub, stored.eventIds);
    }
    // The payload hash is the row's: each committed page chained its digest onto it (addProgress).
    // A pass from the start that read no page read no payload: an earlier attempt's hash is not its.
    const payloadHash = fromStart && firstPage ? { payloadHash: null } : {};
    const succeeded = await settleRun(hub, run, { status: 'succeeded', ...payloadHash }, () => recordSuccess(hub, integration, run));
    if (succeeded) hub.metrics.runs.inc({ connector: connector.id, kind: 'poll', status: 'succeeded' });
  } catch (error) {
    // Cut short by a stop: not a failure, and its attempt is given back.
    if (pollStopSignal(hub).aborted) await handBack(hub, run);
    else await handleRunError(hub, run, integration, error);
  }
}
