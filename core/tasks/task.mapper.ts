import type { TaskHistoryRow, TaskRow } from '../db/database.types.ts';
import type { Task } from '../../schemas/api/task.schema.ts';

/** `opened_at_iso`, when listed, keeps PostgreSQL's microseconds: where the next page starts (`before`). */
export function toTask(row: TaskRow & { opened_at_iso?: string }): Task {
  return {
    id: row.id,
    key: `TASK-${row.number}`,
    number: row.number,
    integrationId: row.integration_id,
    code: row.code,
    runbook: row.runbook,
    title: row.title,
    severity: row.severity,
    status: row.status,
    occurrences: row.occurrences,
    lastError: row.last_error,
    failingOperations: row.failing_operations,
    openedAt: row.opened_at_iso ?? row.opened_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    acknowledgedBy: row.acknowledged_by,
    acknowledgedAt: row.acknowledged_at?.toISOString() ?? null,
    resolvedBy: row.resolved_by,
    resolvedAt: row.resolved_at?.toISOString() ?? null,
  };
}

export function toHistoryEntry(row: TaskHistoryRow) {
  return { action: row.action, actor: row.actor, note: row.note, at: row.created_at.toISOString() };
}
