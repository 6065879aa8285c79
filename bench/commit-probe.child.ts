import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

// Times one-row durable commits from outside the bench process until told to stop: the database's
// own commit latency, the floor under any durable 2xx, without the hub's event loop in the way.

const PROBE_EVERY_MS = 50;
const client = new pg.Client({ connectionString: process.argv[2] ?? '' });
await client.connect();
await client.query('create table if not exists bench_commit_probe (id bigserial primary key, at timestamptz not null default now())');

const latencies: number[] = [];
let probing = true;
process.once('message', () => (probing = false));
process.send?.('ready');
while (probing) {
  const started = performance.now();
  await client.query('insert into bench_commit_probe default values');
  latencies.push(performance.now() - started);
  await sleep(PROBE_EVERY_MS);
}
await client.end();
process.send?.(latencies, () => process.exit(0));
