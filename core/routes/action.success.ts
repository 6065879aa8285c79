import type { IntegrationConfigRow, RunRow } from '../db/database.types.ts';
import { recordSuccess } from '../runs/failure.service.ts';
import { settleRun } from '../runs/run.settle.ts';
import type { HubContext } from '../server/hub-context.ts';

// Once an action has returned, its effect exists upstream (an incident, a Slack message). Nothing
// after that may record the run failed: an operator would replay it and the effect would happen a
// second time. What follows a success — the posted alert remembered, the tasks it proves fixed
// resolved and their alerts queued for an update — is bookkeeping, and an error in it (Redis
// unreachable while queueing an alert update, say) is logged, never the action's failure.

export type Bookkeeping = () => Promise<void>;

async function logged(hub: HubContext, run: RunRow, what: string, step: Bookkeeping): Promise<void> {
  try {
    await step();
  } catch (error) {
    hub.logger.error({ err: error, runId: run.id, action: run.action }, `the action succeeded, but ${what} failed`);
  }
}

/**
 * Records the succeeded action: `before` (its own bookkeeping of the effect), then the run settled
 * succeeded with the failure tasks it proves fixed. A database error while settling leaves the run
 * running: the reconciler hands it to another attempt, whose idempotency key finds the effect made.
 */
export async function recordActionSuccess(
  hub: HubContext,
  run: RunRow,
  integration: IntegrationConfigRow,
  result: unknown,
  before: Bookkeeping = async () => undefined,
): Promise<void> {
  await logged(hub, run, 'remembering what it did', before);
  try {
    const succeeded = await settleRun(hub, run, { status: 'succeeded', result }, () =>
      logged(hub, run, 'settling the tasks it proves fixed', () => recordSuccess(hub, integration, run)),
    );
    if (succeeded) hub.metrics.runs.inc({ connector: integration.connector, kind: 'action', status: 'succeeded' });
  } catch (error) {
    hub.logger.error({ err: error, runId: run.id, action: run.action }, 'the action succeeded, but its run could not be recorded; the reconciler will take it over');
  }
}
