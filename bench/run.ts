import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { sql } from 'kysely';
import { startBenchHub, type BenchHub, type Topology } from './bench-hub.ts';
import { drainEvents } from './drain.ts';
import { benchPoll } from './poll.bench.ts';
import { formatChecks, formatTable, summarise, TARGETS, writeJson } from './report.ts';
import { benchWebhookIngest } from './webhook-ingest.bench.ts';

// `npm run bench`: the hub against bare baselines measured in the same run on the same machine,
// so the ratios hold whatever the hardware. Needs the local PostgreSQL and Redis; leaves nothing
// behind in either. Tune with BENCH_DURATION_SECONDS (per load phase), BENCH_ROUNDS (max-rate
// ingest rounds), BENCH_RECORDS (poll size)
// and BENCH_TOPOLOGY (split: API process + worker process, the default; single: HUB_ROLE=all).

const RESULTS_PATH = resolve(import.meta.dirname, '../test-artifacts/bench/latest.json');
const CONNECTIONS = 64;
const PAGE_SIZE = 1000;

function positiveIntFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`bench: invalid ${name}: expected a whole number ≥ 1`);
    process.exit(1);
  }
  return value;
}

const durationSeconds = positiveIntFromEnv('BENCH_DURATION_SECONDS', 8);
// Max-rate rounds of the webhook ingest, bare then hub in each; the median round's ratio is quoted.
const rounds = positiveIntFromEnv('BENCH_ROUNDS', 3);
// Enough records that the raw inserts take a second or more: a shorter window is mostly noise, and
// the sync's fixed start (queue pickup, first page) would weigh more than its throughput.
const records = positiveIntFromEnv('BENCH_RECORDS', 20_000);
const topologyName = process.env['BENCH_TOPOLOGY'] || 'split';
if (topologyName !== 'split' && topologyName !== 'single') {
  console.error('bench: invalid BENCH_TOPOLOGY: expected split or single');
  process.exit(1);
}
const topology: Topology = topologyName;
// A short warm-up lets V8 optimise both servers before the clock runs; the JIT is not what we measure.
const warmupSeconds = Math.max(1, Math.min(2, Math.round(durationSeconds / 4)));
// Long enough for the hub's workers to route a max-rate backlog, short enough to keep the run near two minutes.
const drainTimeoutSeconds = Math.max(30, durationSeconds * 4);

const startedAt = new Date();
const loadAtStart = loadavg();
const clockStart = performance.now();
function log(line: string): void {
  const elapsed = ((performance.now() - clockStart) / 1000).toFixed(1).padStart(6);
  console.log(`[${elapsed}s] ${line}`);
}

async function main(): Promise<void> {
  log(`bench: ${durationSeconds} s per load phase, ${records.toLocaleString('en-US')} poll records, ${CONNECTIONS} connections, ${cpus().length} CPUs`);
  // Baselines share the run, so ratios survive a slower machine, but not one that is busy with
  // something else for only part of the run: say so rather than print confident numbers.
  const [load1] = loadAtStart;
  if ((load1 ?? 0) > cpus().length) log(`warning: the machine is busy (1-minute load ${load1?.toFixed(1)} on ${cpus().length} CPUs); figures will be noisy`);
  log(
    topology === 'split'
      ? 'starting the hub as deployed to scale out (an API process and a worker process) on a fresh PostgreSQL database and BullMQ prefix'
      : 'starting the hub as one process (HUB_ROLE=all) on a fresh PostgreSQL database and BullMQ prefix',
  );
  const bench: BenchHub = await startBenchHub(topology);
  let failed = false;
  try {
    const processes = bench.workerPid === undefined ? 'HUB_ROLE=all, this process' : `HUB_ROLE=api, this process; worker HUB_ROLE=worker, pid ${bench.workerPid}`;
    log(`hub listening on ${bench.baseUrl} (${processes}); database ${bench.databaseName}, prefix ${bench.queuePrefix}`);
    const webhook = await benchWebhookIngest(bench, { durationSeconds, rounds, warmupSeconds, connections: CONNECTIONS, drainTimeoutSeconds, log });
    const poll = await benchPoll(bench, { records, pageSize: PAGE_SIZE, log });
    const pollDrain = await drainEvents(bench, drainTimeoutSeconds);
    if (pollDrain.pendingAtStart > 0) log(`  workers routed the poll's ${pollDrain.pendingAtStart.toLocaleString('en-US')} events in ${pollDrain.seconds.toFixed(1)} s`);

    const rows = summarise(webhook, poll);
    const postgres = await sql<{ server_version: string }>`show server_version`.execute(bench.running.hub.db);
    console.log(`\n${formatTable(rows)}\n\n${formatChecks(webhook, poll)}\n`);
    writeJson(RESULTS_PATH, {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: { loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg(), cpus: cpus().length, cpuModel: cpus()[0]?.model ?? null, totalMemoryGb: Math.round(totalmem() / 2 ** 30), node: process.version, postgres: postgres.rows[0]?.server_version ?? null },
      settings: { topology: bench.topology, durationSeconds, rounds, warmupSeconds, records, connections: CONNECTIONS, pageSize: PAGE_SIZE, targets: TARGETS },
      summary: rows,
      webhookIngest: webhook,
      poll: { ...poll, drainAfter: pollDrain },
    });
    log(`results written to ${RESULTS_PATH}`);
    // Wrong counts mean a figure cannot be trusted; that, unlike a missed target, fails the run.
    failed = !webhook.honesty.ok || !poll.check.ok;
  } finally {
    log('stopping the hub, dropping the database and the queue keys');
    await bench.close();
  }
  log('done');
  if (failed) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error('bench failed:', error);
  process.exitCode = 1;
});
