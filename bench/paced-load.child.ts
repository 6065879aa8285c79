import { connect, type Socket } from 'node:net';
import { createDeliveries, eventIdsOf } from './deliveries.ts';
import { HttpResponseReader } from './http-response-reader.ts';
import { collectGarbageBeforeTheClock, type LoadMessage, type LoadResult, type PacedLoadSpec } from './load.ts';

// Open-loop load at a fixed rate, requests spread evenly over each second. autocannon's
// overallRate is not that: it gives every connection a per-second budget that it spends
// back-to-back as soon as the second starts, so the server sees a full-concurrency burst every
// second and the "half rate" latency is really the max-rate latency. Latency here is measured from
// when a request was due, not when a socket was free, so a stalled server cannot hide its backlog
// (no coordinated omission).
//
// Requests are prebuilt bytes written to keep-alive sockets and answers are read by a small
// framing reader: node:http's client cost about as much CPU per request as the servers under test,
// on the same cores, which showed up as their latency.

const spec = JSON.parse(process.argv[2] ?? '{}') as PacedLoadSpec;
const report = (message: LoadMessage) => process.send?.(message, () => process.exit(0));
const target = new URL(spec.url);
const port = Number(target.port);
const TIMEOUT_MS = 10_000;
const total = Math.round(spec.rate * spec.durationSeconds);

// Signed and serialised before the clock starts; a pool that ran short signs the rest on the fly.
const deliveries = createDeliveries(spec.secret, spec.poolSize, false);
function requestBytes(): Buffer {
  const delivery = deliveries.next();
  const body = Buffer.from(delivery.body);
  const headers = Object.entries({ ...delivery.headers, host: target.host, 'content-length': String(body.length) })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return Buffer.concat([Buffer.from(`POST ${target.pathname} HTTP/1.1\r\n${headers}\r\n`), body]);
}
const prebuilt = Array.from({ length: Math.min(total, spec.poolSize) }, requestBytes);

const latencies: number[] = [];
const statusCodes: Record<string, number> = {};
const acknowledged: string[] = [];
let ok2xx = 0;
let non2xx = 0;
let errors = 0;
let timeouts = 0;
let inFlight = 0;

interface Connection {
  socket: Socket;
  reader: HttpResponseReader;
  /** When the request on this connection was due; undefined when the connection is free. */
  dueAt: number | undefined;
  timer: NodeJS.Timeout | undefined;
  connected: boolean;
}

const free: Connection[] = [];
const waiting: number[] = [];
let nextRequest = 0;
/** When request 0 was due (set when the clock starts). */
let start = 0;
let finished = false;

// A server that refuses connections would have every socket reopen at once, forever: past this many
// connections that never connected, the run is reported as failed instead.
const MAX_REFUSED = 1_000;
let refused = 0;

function open(): void {
  const connection: Connection = { socket: connect(port, target.hostname), reader: new HttpResponseReader(), dueAt: undefined, timer: undefined, connected: false };
  connection.socket.setNoDelay(true);
  connection.socket.once('connect', () => {
    connection.connected = true;
    release(connection);
  });
  connection.socket.on('data', (bytes: Buffer) => {
    let responses;
    try {
      responses = connection.reader.push(bytes);
    } catch {
      fail(connection, 'error');
      return;
    }
    for (const response of responses) answered(connection, response.status, response.body, response.close);
  });
  connection.socket.on('error', () => fail(connection, 'error'));
  connection.socket.on('close', () => fail(connection, 'error'));
}

function answered(connection: Connection, status: number, body: string, close: boolean): void {
  if (connection.dueAt === undefined) return;
  latencies.push(performance.now() - connection.dueAt);
  statusCodes[status] = (statusCodes[status] ?? 0) + 1;
  if (status >= 200 && status < 300) {
    ok2xx += 1;
    if (body) acknowledged.push(body);
  } else non2xx += 1;
  settle(connection);
  if (close) replace(connection);
  else release(connection);
}

/** The request in flight on a broken connection is lost (counted), and a new connection replaces it. */
function fail(connection: Connection, kind: 'error' | 'timeout'): void {
  if (connection.dueAt !== undefined) {
    if (kind === 'timeout') timeouts += 1;
    errors += 1;
    settle(connection);
  }
  replace(connection);
}

/** Retires a connection for good (its listeners go first, so it is replaced exactly once). */
function replace(connection: Connection): void {
  const index = free.indexOf(connection);
  if (index !== -1) free.splice(index, 1);
  connection.socket.removeAllListeners();
  connection.socket.on('error', () => {});
  connection.socket.destroy();
  if (finished) return;
  if (!connection.connected && ++refused > MAX_REFUSED) {
    report({ ok: false, message: `cannot connect to ${target.host}` });
    finished = true;
    return;
  }
  open();
}

function settle(connection: Connection): void {
  clearTimeout(connection.timer);
  connection.timer = undefined;
  connection.dueAt = undefined;
  inFlight -= 1;
}

function release(connection: Connection): void {
  free.push(connection);
  pump();
}

function pump(): void {
  while (waiting.length > 0 && free.length > 0) {
    const connection = free.pop()!;
    const index = waiting.shift()!;
    connection.dueAt = start + (index * 1000) / spec.rate;
    connection.timer = setTimeout(() => fail(connection, 'timeout'), TIMEOUT_MS);
    connection.socket.write(prebuilt[index] ?? requestBytes());
  }
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return Number((sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0).toFixed(2));
}

for (let index = 0; index < spec.connections; index++) open();
await new Promise<void>((resolve) => {
  const ready = setInterval(() => {
    if (free.length >= spec.connections) {
      clearInterval(ready);
      resolve();
    }
  }, 5);
});

collectGarbageBeforeTheClock();
process.send?.({ started: true } satisfies LoadMessage);
start = performance.now();
const ticker = setInterval(() => {
  // Request k is due at start + k / rate, so by now requests 0 … floor(elapsed × rate) are due.
  const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * spec.rate) + 1);
  for (; nextRequest < due; nextRequest += 1) {
    waiting.push(nextRequest);
    inFlight += 1;
  }
  pump();
  if (nextRequest >= total) {
    clearInterval(ticker);
    void finish();
  }
}, 1);

// Every request is waited for (or times out), so no committed event is left without its answer.
async function finish(): Promise<void> {
  while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  finished = true;
  const durationSeconds = (performance.now() - start) / 1000;
  for (const connection of free) {
    connection.socket.removeAllListeners();
    connection.socket.destroy();
  }
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
