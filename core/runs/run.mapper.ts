import type { RunRow } from '../db/database.types.ts';
import { runbookPath } from '../runbooks/failure-codes.ts';
import type { Run, RunDetail } from '../../schemas/api/run.schema.ts';
import { shownInput } from './run-input.ts';

/**
 * `queued_at_iso`, when the query selected it, keeps the microseconds PostgreSQL stored, so a
 * listed run's `queuedAt` is exactly where the next page starts (`before`).
 */
export function toRun(row: Omit<RunRow, 'input'> & { queued_at_iso?: string }): Run {
  return {
    id: row.id,
    integrationId: row.integration_id,
    kind: row.kind,
    stream: row.stream,
    action: row.action,
    trigger: row.trigger,
    mode: row.mode,
    idempotencyKey: row.idempotency_key,
    status: row.status,
    attempts: row.attempts,
    queuedAt: row.queued_at_iso ?? row.queued_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    latencyMs: row.latency_ms,
    pages: row.pages,
    records: { seen: row.records_seen, new: row.records_new, changed: row.records_changed },
    payloadHash: row.payload_hash,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    runbook: row.error_code ? runbookPath(row.error_code) : null,
    routeId: row.route_id,
    eventId: row.event_id,
    result: row.result ?? null,
  };
}

/** One run as GET /api/runs/:id shows it: with what an action was asked to do, redacted and bounded. */
export function toRunDetail(row: RunRow & { queued_at_iso?: string }): RunDetail {
  return { ...toRun(row), ...shownInput(row.input) };
}
