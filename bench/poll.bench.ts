import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { payloadHash } from '../core/events/payload-hash.ts';
import type { FakeRecord } from '../test-support/fake-servicenow/index.ts';
import { createServiceNowIntegration, type BenchHub } from './bench-hub.ts';
import { startFakeUpstream } from './fake-upstream.ts';
import { describeConditions, monitorPhase, type PhaseConditions } from './monitor.ts';

// Polling: N ServiceNow records written as events by the cheapest path Postgres offers (multi-row
// INSERTs of prebuilt rows) versus a full sync of the same N records through the connector and the
// runtime (HTTP paging from the fake instance, record dedupe, events, cursor, run bookkeeping).

export interface PollOptions {
  records: number;
  pageSize: number;
  log: (line: string) => void;
}

export interface PollResult {
  records: number;
  baseline: { seconds: number; recordsPerSecond: number; batches: number; conditions: PhaseConditions };
  hub: {
    /** From POST /sync until the run was seen finished: what a user waits for. */
    seconds: number;
    recordsPerSecond: number;
    /** The run's own latency (started → finished), without queueing. */
    runLatencyMs: number | null;
    status: string;
    pages: number;
    recordsSeen: number;
    recordsNew: number;
    upstreamRequests: number;
    conditions: PhaseConditions;
  };
  check: { expectedNew: number; recordsNew: number; ok: boolean };
}

const BASELINE_BATCH = 500;
const COLUMNS = ['tenant_id', 'integration_id', 'source', 'stream', 'type', 'external_id', 'payload', 'payload_hash', 'dedupe_key', 'status'] as const;

/** One parameterised multi-row INSERT per batch, built before the clock starts. */
function prebuiltBatches(records: FakeRecord[], tenantId: string, integrationId: string): { text: string; values: string[] }[] {
  const batches: { text: string; values: string[] }[] = [];
  for (let start = 0; start < records.length; start += BASELINE_BATCH) {
    const chunk = records.slice(start, start + BASELINE_BATCH);
    const values: string[] = [];
    const tuples = chunk.map((record, row) => {
      const hash = payloadHash(record);
      const externalId = record['sys_id'] ?? '';
      // 'processed', so the hub's reconciler never picks these rows up and adds work mid-measurement.
      values.push(tenantId, integrationId, 'poll', 'incident', 'incident.created', externalId, JSON.stringify(record), hash, `poll:incident:${externalId}:${hash}`, 'processed');
      return `(${COLUMNS.map((_, column) => `$${row * COLUMNS.length + column + 1}`).join(', ')})`;
    });
    batches.push({ text: `insert into integration_events (${COLUMNS.join(', ')}) values ${tuples.join(', ')}`, values });
  }
  return batches;
}

export async function benchPoll(bench: BenchHub, options: PollOptions): Promise<PollResult> {
  const { log, records: count } = options;
  const fake = await startFakeUpstream(count);
  const client = new pg.Client({ connectionString: bench.databaseUrl });
  await client.connect();
  try {
    // The baseline stores exactly what the instance will serve, under an integration of its own.
    const records = fake.records;

    const baselineIntegration = await createServiceNowIntegration(bench, { name: 'bench-poll-baseline', instanceUrl: 'http://127.0.0.1:9' });
    const tenant = await client.query<{ tenant_id: string }>('select tenant_id from integration_configs where id = $1', [baselineIntegration.id]);
    const batches = prebuiltBatches(records, tenant.rows[0]?.tenant_id ?? '', baselineIntegration.id);
    log(`poll: baseline, ${count.toLocaleString('en-US')} prebuilt event rows in ${batches.length} INSERTs of ${BASELINE_BATCH}`);
    const baselineMonitor = await monitorPhase(bench);
    const baselineStart = performance.now();
    for (const batch of batches) await client.query(batch.text, batch.values);
    const baselineSeconds = (performance.now() - baselineStart) / 1000;
    const baseline = { seconds: baselineSeconds, recordsPerSecond: count / baselineSeconds, batches: batches.length, conditions: await baselineMonitor.stop() };
    log(`  baseline: ${Math.round(baseline.recordsPerSecond).toLocaleString('en-US')} records/s (${baselineSeconds.toFixed(2)} s)`);
    log(`            ${describeConditions(baseline.conditions)}`);

    const integration = await createServiceNowIntegration(bench, { name: 'bench-poll', instanceUrl: fake.url, pageSize: options.pageSize });
    const requestsBefore = await fake.requestCount();
    log(`poll: hub, full sync of ${count.toLocaleString('en-US')} incidents from the fake ServiceNow, pageSize ${options.pageSize}`);
    const hubMonitor = await monitorPhase(bench);
    const hubStart = performance.now();
    const sync = await bench.api('post', `/api/integrations/${integration.id}/sync`, { stream: 'incident', mode: 'full' }, 202);
    const runId: string = sync.runs[0].id;
    const run = await waitForRun(client, runId, 5 * 60);
    const hubSeconds = (performance.now() - hubStart) / 1000;
    const conditions = await hubMonitor.stop();
    const hub = {
      seconds: hubSeconds,
      recordsPerSecond: count / hubSeconds,
      runLatencyMs: run.latency_ms,
      status: run.status,
      pages: run.pages,
      recordsSeen: run.records_seen,
      recordsNew: run.records_new,
      upstreamRequests: (await fake.requestCount()) - requestsBefore,
      conditions,
    };
    log(`  hub: ${Math.round(hub.recordsPerSecond).toLocaleString('en-US')} records/s (${hubSeconds.toFixed(2)} s, run ${run.status}, ${run.pages} pages, ${hub.upstreamRequests} upstream requests)`);
    log(`       ${describeConditions(conditions)} (the fake ServiceNow serves from a process of its own)`);
    if (run.status !== 'succeeded') log(`  the run did not succeed: ${run.error_code ?? ''} ${run.error_message ?? ''}`);
    return { records: count, baseline, hub, check: { expectedNew: count, recordsNew: run.records_new, ok: run.records_new === count && run.status === 'succeeded' } };
  } finally {
    await client.end();
    await fake.close();
  }
}

interface RunRow {
  status: string;
  latency_ms: number | null;
  pages: number;
  records_seen: number;
  records_new: number;
  error_code: string | null;
  error_message: string | null;
}

/** Reads the run row directly: cheap to ask often, and it adds no requests to the hub under test. */
async function waitForRun(client: pg.Client, runId: string, timeoutSeconds: number): Promise<RunRow> {
  const deadline = performance.now() + timeoutSeconds * 1000;
  for (;;) {
    const result = await client.query<RunRow>(
      'select status, latency_ms, pages, records_seen, records_new, error_code, error_message from integration_runs where id = $1',
      [runId],
    );
    const run = result.rows[0];
    if (run && ['succeeded', 'failed', 'cancelled'].includes(run.status)) return run;
    if (performance.now() > deadline) throw new Error(`bench: run ${runId} did not finish within ${timeoutSeconds} s (last status ${run?.status})`);
    await sleep(10);
  }
}
