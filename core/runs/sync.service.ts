import { randomUUID } from 'node:crypto';
import type { IntegrationConfigRow } from '../db/database.types.ts';
import { onForeignKeyViolation } from '../db/postgres-errors.ts';
import { ConflictError, NotFoundError, ValidationError } from '../http/api-error.ts';
import type { HubContext } from '../server/hub-context.ts';
import type { SyncRequest } from '../../schemas/api/integration.schema.ts';
import type { ListedRun } from './run.query.ts';
import { insertRunOnce } from './run.repository.ts';
import { dispatchRuns } from './run.jobs.ts';

/** A manual sync: one queued run per requested stream, each with its own idempotency key. */
export async function requestSync(hub: HubContext, integration: IntegrationConfigRow, request: SyncRequest, requestedBy: string): Promise<ListedRun[]> {
  const connector = hub.connectors.get(integration.connector);
  const streams = Object.keys(connector?.streams ?? {});
  // A connector that only acts and receives (Slack) has nothing to poll: say so rather than 202 with no run.
  if (streams.length === 0) throw new ConflictError(`${integration.connector} integrations have no streams to sync`);
  if (request.stream && !streams.includes(request.stream)) {
    throw new ValidationError(`${integration.connector} has no stream "${request.stream}"`, [
      { path: 'body.stream', message: `expected one of: ${streams.join(', ')}` },
    ]);
  }
  // One transaction for all the streams' runs: an integration deleted meanwhile leaves none of them.
  const runs = await onForeignKeyViolation(
    hub.db.transaction().execute(async (trx) => {
      const made: ListedRun[] = [];
      for (const stream of request.stream ? [request.stream] : streams) {
        const run = await insertRunOnce(trx, {
          tenant_id: integration.tenant_id,
          integration_id: integration.id,
          kind: 'poll',
          stream,
          trigger: 'manual',
          mode: request.mode,
          idempotency_key: `${integration.id}:${stream}:manual:${randomUUID()}`,
          status: 'queued',
          requested_by: requestedBy,
        });
        if (run) made.push(run);
      }
      return made;
    }),
    () => new NotFoundError('integration'),
  );
  await dispatchRuns(hub, runs.map((run) => run.id));
  return runs;
}
