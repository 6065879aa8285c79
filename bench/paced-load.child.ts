import { Agent, request } from 'node:http';
import { createDeliveries, eventIdsOf } from './deliveries.ts';
import type { LoadMessage, LoadResult, PacedLoadSpec } from './load.ts';

// Open-loop load at a fixed rate, requests spread evenly over each second. autocannon's
// overallRate is not that: it gives every connection a per-second budget that it spends
// back-to-back as soon as the second starts, so the server sees a full-concurrency burst every
// second and the "half rate" latency is really the max-rate latency. Latency here is measured from
// when a request was due, not when a socket was free, so a stalled server cannot hide its backlog
// (no coordinated omission).

const spec = JSON.parse(process.argv[2] ?? '{}') as PacedLoadSpec;
const report = (message: LoadMessage) => process.send?.(message, () => process.exit(0));
const deliveries = createDeliveries(spec.secret, spec.poolSize, false);
const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
const target = new URL(spec.url);
const TIMEOUT_MS = 10_000;

const latencies: number[] = [];
const statusCodes: Record<string, number> = {};
const acknowledged: string[] = [];
let ok2xx = 0;
let non2xx = 0;
let errors = 0;
let timeouts = 0;
let inFlight = 0;

function send(dueAt: number): void {
  const delivery = deliveries.next();
  inFlight += 1;
  const outgoing = request(
    { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { ...delivery.headers, 'content-length': Buffer.byteLength(delivery.body) } },
    (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        inFlight -= 1;
        latencies.push(performance.now() - dueAt);
        const status = response.statusCode ?? 0;
        statusCodes[status] = (statusCodes[status] ?? 0) + 1;
        if (status >= 200 && status < 300) {
          ok2xx += 1;
          if (body) acknowledged.push(body);
        } else non2xx += 1;
      });
    },
  );
  outgoing.setTimeout(TIMEOUT_MS, () => {
    timeouts += 1;
    outgoing.destroy(new Error('timeout'));
  });
  outgoing.on('error', () => {
    inFlight -= 1;
    errors += 1;
  });
  outgoing.end(delivery.body);
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return Number((sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0).toFixed(2));
}

const total = Math.round(spec.rate * spec.durationSeconds);
process.send?.({ started: true } satisfies LoadMessage);
const start = performance.now();
let scheduled = 0;
const ticker = setInterval(() => {
  // Request k is due at start + k / rate, so by now requests 0 … floor(elapsed × rate) are due.
  const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * spec.rate) + 1);
  for (; scheduled < due; scheduled += 1) send(start + (scheduled * 1000) / spec.rate);
  if (scheduled >= total) {
    clearInterval(ticker);
    void finish();
  }
}, 1);

// Every request is waited for (or times out), so no committed event is left without its answer.
async function finish(): Promise<void> {
  while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  const durationSeconds = (performance.now() - start) / 1000;
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  const result: LoadResult = {
    durationSeconds,
    requests: sorted.length,
    requestsPerSecond: sorted.length / durationSeconds,
    latencyMs: { p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), p99: percentile(sorted, 0.99), max: percentile(sorted, 1) },
    ok2xx,
    non2xx,
    statusCodes,
    errors,
    timeouts,
    sentWithoutAnswer: total - sorted.length,
    signedDuringRun: deliveries.signedDuringRun(),
    acknowledgedEventIds: acknowledged.flatMap(eventIdsOf),
  };
  report({ ok: true, result });
}
