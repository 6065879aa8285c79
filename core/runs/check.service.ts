import { randomUUID } from 'node:crypto';
import type { IntegrationConfigRow, RunRow } from '../db/database.types.ts';
import { onForeignKeyViolation } from '../db/postgres-errors.ts';
import { NotFoundError } from '../http/api-error.ts';
import { connectorContext } from '../integrations/connector-context.factory.ts';
import { runbookPath } from '../runbooks/failure-codes.ts';
import type { HubContext } from '../server/hub-context.ts';
import type { TokenStore } from '../../connectors/sdk/credentials.ts';
import type { CheckResponse } from '../../schemas/api/integration.schema.ts';
import { toFailure } from './failure.ts';
import { recordSuccess } from './failure.service.ts';
import { withHeartbeat } from './run.heartbeat.ts';
import { databaseNow, insertRunOnce } from './run.repository.ts';
import { settleRun } from './run.settle.ts';
import { logUnexpectedFailure } from './unexpected-failure.ts';

/**
 * Runs the connector's check, recorded as a run. With a `trial` it validates new secrets without
 * storing them (credential rotation uses this before swapping).
 */
export async function checkIntegration(
  hub: HubContext,
  integration: IntegrationConfigRow,
  requestedBy: string,
  /** New credentials to check instead of the stored ones, and where the tokens they obtain go. */
  trial?: { credentials: unknown; tokenStore: TokenStore },
): Promise<CheckResponse> {
  const credentials = trial?.credentials;
  const connector = hub.connectors.get(integration.connector);
  const started = hub.clock();
  const run = await onForeignKeyViolation(
    insertRunOnce(hub.db, {
      tenant_id: integration.tenant_id,
      integration_id: integration.id,
      kind: 'check',
      trigger: 'manual',
      idempotency_key: `check:${randomUUID()}`,
      status: 'running',
      // The database's clock, as its end and latency are (run.repository.ts's finishRun).
      started_at: databaseNow,
      // Stamped by the database's clock, which the reconciler judges it by: an API process whose
      // clock is behind would otherwise have its check taken for abandoned before its first heartbeat.
      heartbeat_at: databaseNow,
      attempts: 1,
      requested_by: requestedBy,
    }),
    // Deleted since the caller read it: the same 404 as if it had gone before.
    () => new NotFoundError('integration'),
  );
  if (!run || !connector) throw new Error('check run could not be recorded');
  // A check that outlasts the lease would otherwise be cancelled by the reconciler as abandoned.
  return withHeartbeat(hub, run, async (): Promise<CheckResponse> => {
    const latencyMs = (finished: RunRow | undefined) => finished?.latency_ms ?? hub.clock().getTime() - started.getTime();
    try {
      const ctx = connectorContext(hub, connector, integration, trial ?? {});
      const result = await connector.check(ctx);
      // A passing check with the stored credentials is a success like any run: it settles the
      // integration's failure tasks (a check with new credentials proves nothing about the old ones).
      const finished = await settleRun(hub, run, { status: 'succeeded', result: { detail: result.detail } }, async () => {
        if (credentials === undefined) await recordSuccess(hub, integration, run);
      });
      hub.metrics.runs.inc({ connector: connector.id, kind: 'check', status: 'succeeded' });
      return { ok: true, detail: result.detail, runId: run.id, latencyMs: latencyMs(finished) };
    } catch (error) {
      const failure = toFailure(error);
      logUnexpectedFailure(hub.logger, failure, error, { integrationId: integration.id, runId: run.id, kind: 'check' });
      const finished = await settleRun(hub, run, { status: 'failed', errorCode: failure.code, errorMessage: failure.message });
      hub.metrics.runs.inc({ connector: connector.id, kind: 'check', status: 'failed' });
      return {
        ok: false,
        error: { code: failure.code, message: failure.message, runbook: runbookPath(failure.code) },
        runId: run.id,
        latencyMs: latencyMs(finished),
      };
    }
  });
}
