import { sql } from 'kysely';
import type { IntegrationConfigRow, RunRow } from '../db/database.types.ts';
import { dispatchEvents } from '../events/event.dispatch.ts';
import { payloadHash } from '../events/payload-hash.ts';
import { routingStatus } from '../events/routing-status.ts';
import { whyRouteWithdrawn } from '../routes/route-withdrawn.ts';
import { runbookPath } from '../runbooks/failure-codes.ts';
import type { HubContext } from '../server/hub-context.ts';
import { settleTasksAfterSuccess, withdrawOperation } from '../tasks/task-recovery.ts';
import { openOrUpdateTask } from '../tasks/task.service.ts';
import type { Failure } from './failure.ts';
import { failureCauseOf } from './failure-cause.ts';
import { formerOperationKeysOf, operationOf } from './run.operation.ts';

/**
 * A run failed for good (retries exhausted, breaker open, or a failure no retry can fix): record
 * a failure event and open — or update — the one task for (integration, code); not for the action
 * of a route withdrawn while it ran.
 */
export async function recordFinalFailure(hub: HubContext, integration: IntegrationConfigRow, run: RunRow, failure: Failure): Promise<void> {
  // A route action whose route was deleted or retargeted while it ran: the run shows the failure,
  // but a task of it could never be settled by a success (route-withdrawn.ts).
  const withdrawn = await whyRouteWithdrawn(hub, run);
  if (withdrawn !== undefined) {
    hub.logger.info({ integrationId: integration.id, runId: run.id, code: failure.code }, `route action failed after ${withdrawn}; no task opened`);
    return;
  }
  // The task first, so the failure event can name it: a route alerting on failures then posts an
  // alert tied to the task (acknowledged, resolved and escalated in place).
  const { task, opened } = await openOrUpdateTask(hub, {
    tenantId: integration.tenant_id,
    integrationId: integration.id,
    integrationName: integration.name,
    code: failure.code,
    message: failure.message,
    operation: operationOf(run),
    fromTaskAlert: run.trigger === 'task',
  });
  // Deleted or retargeted between the check above and the task's commit: the route's own withdrawal
  // found no task to take the action off yet, so it is taken off here (resolving a task it opened).
  const withdrawnMeanwhile = await whyRouteWithdrawn(hub, run);
  if (withdrawnMeanwhile !== undefined) {
    await withdrawOperation(hub, { integrationId: integration.id, operation: operationOf(run), why: withdrawnMeanwhile });
    hub.logger.info({ integrationId: integration.id, runId: run.id, code: failure.code }, `route action failed after ${withdrawnMeanwhile}; taken off its task`);
    return;
  }
  const payload = {
    code: failure.code,
    message: failure.message,
    runId: run.id,
    runKind: run.kind,
    stream: run.stream,
    runbook: runbookPath(failure.code),
    taskId: task.id,
    taskKey: `TASK-${task.number}`,
    severity: task.severity,
    cause: await failureCauseOf(hub.db, run),
  };
  // Pending so that routes see it (a failure.* route posting an alert, opening a ticket); processed
  // at once when the tenant has no route, like any other inbound event.
  const status = routingStatus(sql`${integration.tenant_id}::uuid`, sql`'pending'`);
  const event = await hub.db
    .insertInto('integration_events')
    .values({
      tenant_id: integration.tenant_id,
      integration_id: integration.id,
      run_id: run.id,
      source: 'system',
      stream: run.stream,
      type: `failure.${failure.code}`,
      payload: JSON.stringify(payload),
      payload_hash: payloadHash(payload),
      // One event per final failure: retries end in one attempt that fails the run for good, and a
      // replay that fails again does so at a later attempt (numbers never repeat, run.repository.ts).
      dedupe_key: `failure:${run.id}:${run.attempts}`,
      status: sql<'pending' | 'processed'>`${status}`,
      processed_at: sql<Date | null>`case when ${status} = 'processed' then now() end`,
    })
    .onConflict((oc) => oc.columns(['integration_id', 'dedupe_key']).doNothing())
    .returning(['id', 'status'])
    .executeTakeFirst();
  if (event) hub.metrics.events.inc({ source: 'system' });
  if (event?.status === 'pending') void dispatchEvents(hub, [event.id]);
  hub.logger.warn(
    { integrationId: integration.id, runId: run.id, code: failure.code, task: `TASK-${task.number}`, opened },
    opened ? 'remediation task opened' : 'remediation task updated',
  );
}

/**
 * A run succeeded: the failure tasks it proves fixed are settled (task-recovery.ts). Only checks
 * run with the stored credentials get here as checks, so a passing one proves those credentials.
 */
export async function recordSuccess(hub: HubContext, integration: IntegrationConfigRow, run: RunRow): Promise<void> {
  const operation = operationOf(run);
  const resolved = await settleTasksAfterSuccess(hub, {
    integrationId: integration.id,
    operation,
    formerKeys: formerOperationKeysOf(run),
    credentialsProven: run.kind === 'check',
    why: run.kind === 'check' ? 'a connection check with the stored credentials passed' : `${operation} succeeded`,
  });
  for (const task of resolved) {
    hub.logger.info({ integrationId: integration.id, task: `TASK-${task.number}`, code: task.code }, 'remediation task resolved by a success');
  }
}
