import { sql, type Kysely } from 'kysely';
import type { Database } from '../core/db/database.types.ts';

// History in bulk for plan tests, written with `insert … select … from generate_series`: enough
// rows that PostgreSQL's plans show whether a list reads a page or the tenant's whole history.
// Integrations use the test-only 'testkit' connector (register it with the hub).

export interface History {
  integrations: number;
  /** Runs per integration, one an hour going back from now: 1 in 20 failed, 1 in 10 a check. */
  runsPerIntegration: number;
  /** An event per poll run; a failed run's is its failure event. */
  eventPerPoll?: boolean;
}

export async function seedHistory(db: Kysely<Database>, tenantId: string, prefix: string, history: History): Promise<void> {
  await sql`insert into integration_configs (tenant_id, connector, name, environment, config, schedules)
    select ${tenantId}, 'testkit', ${prefix} || '-' || lpad(g::text, 5, '0'), 'production',
      jsonb_build_object('dataset', ${prefix} || g), '{"items":{"enabled":false}}'::jsonb
    from generate_series(1, ${history.integrations}) g`.execute(db);
  await sql`insert into integration_runs (tenant_id, integration_id, kind, stream, trigger, idempotency_key, status,
      queued_at, started_at, finished_at, latency_ms, error_code, error_message)
    select c.tenant_id, c.id,
      case when g % 10 = 5 then 'check' else 'poll' end,
      case when g % 10 = 5 then null else 'items' end,
      'schedule', c.id || ':' || g,
      case when g % 20 = 0 then 'failed' else 'succeeded' end,
      now() - make_interval(hours => g), now() - make_interval(hours => g), now() - make_interval(hours => g) + interval '2 seconds',
      500 + (g * 37) % 3000,
      case when g % 20 = 0 then (array['rate_limited', 'upstream_unavailable', 'network_error'])[1 + (g / 20) % 3] end,
      case when g % 20 = 0 then 'upstream said no' end
    from integration_configs c, generate_series(1, ${history.runsPerIntegration}) g
    where c.tenant_id = ${tenantId}`.execute(db);
  if (!history.eventPerPoll) return;
  await sql`insert into integration_events (tenant_id, integration_id, run_id, source, stream, type, external_id, payload,
      payload_hash, dedupe_key, status, received_at, processed_at)
    select r.tenant_id, r.integration_id, r.id, 'poll', 'items',
      case when r.status = 'failed' then 'failure.' || r.error_code else 'item.updated' end,
      'EXT-' || substr(r.id::text, 1, 8), jsonb_build_object('short_description', 'Something happened'),
      md5(r.id::text), r.id::text, 'processed', r.queued_at + interval '1 second', r.queued_at + interval '2 seconds'
    from integration_runs r
    where r.tenant_id = ${tenantId} and r.kind = 'poll'`.execute(db);
}

/**
 * Rows a plan (EXPLAIN ANALYZE text) read from `table`: for each scan node on it, the rows it
 * returned plus the rows its filter removed, times its loops (parallel workers report per loop).
 */
export function rowsRead(plan: string, table: string): number {
  const lines = plan.split('\n');
  let total = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!new RegExp(`Scan.* on ${table}\\b`).test(line) || /Bitmap Index Scan/.test(line)) continue;
    const actual = /actual time=[\d.]+\.\.[\d.]+ rows=(\d+) loops=(\d+)/.exec(line);
    if (!actual) continue;
    let rows = Number(actual[1]);
    for (let j = i + 1; j < lines.length && !lines[j]!.includes('->'); j++) {
      const removed = /Rows Removed by (?:Filter|Index Recheck): (\d+)/.exec(lines[j]!);
      if (removed) rows += Number(removed[1]);
    }
    total += rows * Number(actual[2]);
  }
  return total;
}
