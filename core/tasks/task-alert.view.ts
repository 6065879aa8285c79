import type { TaskAlert } from '../../connectors/sdk/task-alerts.types.ts';
import type { TaskRow } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';

export function runbookUrl(hub: HubContext, code: string): string {
  const base = hub.config.HUB_PUBLIC_URL?.replace(/\/$/, '');
  return base ? `${base}/admin/runbooks/${code}` : `runbooks/${code}.md`;
}

/** A task as alerts and chat answers show it. */
export async function taskAlertView(hub: HubContext, task: TaskRow): Promise<TaskAlert> {
  const integration = task.integration_id
    ? await hub.db.selectFrom('integration_configs').select(['name', 'environment', 'connector']).where('id', '=', task.integration_id).executeTakeFirst()
    : undefined;
  const connector = integration ? hub.connectors.get(integration.connector) : undefined;
  return {
    taskId: task.id,
    key: `TASK-${task.number}`,
    title: task.title,
    status: task.status,
    code: task.code,
    severity: task.severity,
    integrationId: task.integration_id,
    // A retry polls: an integration with nothing to poll (Slack's own, for a lost alert post) only
    // ever answers that it has nothing to poll. Unknown to this process (a rolling upgrade): unsaid.
    ...(connector ? { retryable: Object.keys(connector.streams).length > 0 } : {}),
    integrationName: integration?.name ?? 'deleted integration',
    environment: integration?.environment ?? 'unknown',
    occurrences: task.occurrences,
    lastError: task.last_error,
    runbookUrl: runbookUrl(hub, task.code),
    acknowledgedBy: task.acknowledged_by,
    resolvedBy: task.resolved_by,
  };
}
