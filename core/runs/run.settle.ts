import type { IntegrationConfigRow, RunRow } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';
import { recordFinalFailure } from './failure.service.ts';
import { MAX_RETRY_WAIT_MS, MAX_RUN_ATTEMPTS, retryDelayMs, toFailure } from './failure.ts';
import { attemptInBudget, finishRun, requeueRun, RunNotHeldError, touchRun, type RunOutcome } from './run.repository.ts';
import { enqueueRun } from './run.jobs.ts';
import { logUnexpectedFailure } from './unexpected-failure.ts';

// How an attempt at a run ends: finished (with its consequences), or back on the queue. Only the
// attempt that holds the run may do either; one whose heartbeat stalled past the lease, while the
// reconciler gave the run to another attempt, records nothing — the holder will.

function notHeld(hub: HubContext, run: RunRow): undefined {
  hub.logger.warn({ runId: run.id, attempt: run.attempts }, 'run is held by another attempt; this attempt records nothing');
  return undefined;
}

/**
 * Finishes the run: its consequences first (tasks resolved or opened, the failure event), its
 * status last, so whoever sees the run finished also sees them. The heartbeat is refreshed (and
 * the hold confirmed) just before, so the reconciler cannot take the run over in between.
 * Undefined when this attempt no longer holds the run.
 */
export async function settleRun(
  hub: HubContext,
  run: RunRow,
  outcome: RunOutcome,
  consequences: () => Promise<void> = async () => undefined,
): Promise<RunRow | undefined> {
  if (!(await touchRun(hub.db, run))) return notHeld(hub, run);
  await consequences();
  return (await finishRun(hub.db, run, outcome)) ?? notHeld(hub, run);
}

/** Transient failures go back to the queue with a delay; the rest fail the run and open a task. */
export async function handleRunError(hub: HubContext, run: RunRow, integration: IntegrationConfigRow, error: unknown): Promise<void> {
  if (error instanceof RunNotHeldError) return notHeld(hub, run);
  const failure = toFailure(error);
  const connector = integration.connector;
  // Counted within the run's budget: a replayed run numbers its attempts on but gets its retries again.
  const attempt = attemptInBudget(run.attempts);
  const delayMs = retryDelayMs(failure, attempt);
  if (failure.transient && failure.code !== 'circuit_open' && attempt < MAX_RUN_ATTEMPTS && delayMs <= MAX_RETRY_WAIT_MS) {
    if (!(await requeueRun(hub.db, run, delayMs, failure))) return notHeld(hub, run);
    await enqueueRun(hub, run.id, delayMs);
    hub.metrics.runs.inc({ connector, kind: run.kind, status: 'retrying' });
    hub.logger.info({ integrationId: integration.id, runId: run.id, code: failure.code, message: failure.message, attempt: run.attempts, delayMs }, 'run will be retried');
    return;
  }
  logUnexpectedFailure(hub.logger, failure, error, { integrationId: integration.id, runId: run.id, kind: run.kind });
  const failed = await settleRun(hub, run, { status: 'failed', errorCode: failure.code, errorMessage: failure.message }, () =>
    recordFinalFailure(hub, integration, run, failure),
  );
  if (failed) hub.metrics.runs.inc({ connector, kind: run.kind, status: 'failed' });
}
