import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { sql } from 'kysely';
import { createServiceNowIntegration, type BenchHub } from './bench-hub.ts';
import { drainEvents, type DrainResult } from './drain.ts';
import { describeConditions, monitorPhase, type PhaseConditions } from './monitor.ts';
import { runMaxLoad, runPacedLoad, type LoadResult } from './load.ts';

// Webhook ingest: the same signed ServiceNow deliveries against a bare Hono server that only reads
// the body and against the hub's POST /hooks/:integrationId (verify the signature over the raw
// bytes, dedupe, commit the event, then 202).

export interface WebhookIngestOptions {
  durationSeconds: number;
  /** Max-rate rounds, each the bare server then the hub: a burst of outside load hits one round, not the verdict. */
  rounds: number;
  warmupSeconds: number;
  connections: number;
  /** How long to wait for the hub's workers to route the backlog between phases. */
  drainTimeoutSeconds: number;
  log: (line: string) => void;
}

/** A load phase as reported: the acknowledged ids are checked, not kept. */
export type Phase = Omit<LoadResult, 'acknowledgedEventIds'>;

export interface Honesty {
  /** 2xx answers over every hub phase, warm-up included (its events are stored too). */
  responses2xx: number;
  /** Event ids named in those answers that exist in integration_events: must be all of them. */
  acknowledgedFound: number;
  acknowledgedIds: number;
  storedEvents: number;
  /** Requests cut off in flight when a phase ended; only these may have rows without a 2xx. */
  sentWithoutAnswer: number;
  ok: boolean;
}

export interface MeasuredPhase extends Phase {
  conditions: PhaseConditions;
}

export interface MaxRateRound {
  bare: MeasuredPhase;
  hub: MeasuredPhase;
  /** Hub req/s over bare req/s in this round. */
  ratio: number;
}

export interface WebhookIngestResult {
  /** Every max-rate round in order. */
  rounds: MaxRateRound[];
  /** The round with the median ratio, whose figures the summary quotes. */
  bare: MeasuredPhase;
  hub: MeasuredPhase;
  /** Both servers at half the hub's max rate, evenly paced: the bare one shows the machine's own latency floor. */
  halfRate: { rate: number; bare: MeasuredPhase; hub: MeasuredPhase };
  hubWarmup: Phase;
  drains: { afterWarmup: DrainResult; afterMax: DrainResult; afterHalfRate: DrainResult };
  honesty: Honesty;
}

async function startBareServer(): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Hono();
  app.post('/hooks/x', async (c) => {
    await c.req.arrayBuffer();
    return c.body(null, 202);
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started as Server)) as Server;
    started.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/x`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function describe(result: LoadResult): string {
  const rps = Math.round(result.requestsPerSecond).toLocaleString('en-US');
  const extra = result.non2xx + result.errors > 0 ? `, non-2xx ${result.non2xx}, errors ${result.errors} (timeouts ${result.timeouts})` : '';
  return `${rps} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms${extra}`;
}

export async function benchWebhookIngest(bench: BenchHub, options: WebhookIngestOptions): Promise<WebhookIngestResult> {
  const { log } = options;
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const common = { connections: options.connections, secret };
  const timed = { durationSeconds: options.durationSeconds };
  const warmup = { durationSeconds: options.warmupSeconds };
  const measured = async (label: string, run: (onStarted: () => void) => Promise<LoadResult>): Promise<LoadResult & { conditions: PhaseConditions }> => {
    const monitor = await monitorPhase(bench);
    const result = await run(() => monitor.restart());
    const conditions = await monitor.stop();
    log(`  ${label}: ${describe(result)}`);
    log(`  ${' '.repeat(label.length)}  ${describeConditions(conditions)}`);
    return { ...result, conditions };
  };

  const bare = await startBareServer();
  try {
    // The bare server ignores ids, so a cycled pool costs the load generator the same per request
    // as the hub's never-repeating one.
    const bareLoad = (seconds: number, started?: () => void) => runMaxLoad({ ...common, url: bare.url, durationSeconds: seconds, poolSize: 20_000, cycle: true }, started);
    log(`webhook ingest: bare server, warm-up ${options.warmupSeconds} s`);
    await bareLoad(options.warmupSeconds);

    const integration = await createServiceNowIntegration(bench, { name: 'bench-webhooks', instanceUrl: 'http://127.0.0.1:9', webhookSecret: secret });
    const hookUrl = `${bench.baseUrl}/hooks/${integration.id}`;
    // Ids never repeat against the hub. The pool is sized from the rate just seen, with room to
    // spare (a warmed-up hub is faster than during its warm-up); past the pool, requests are signed
    // on the fly and counted in signedDuringRun.
    const poolFor = (seconds: number, rate: number) => Math.ceil(rate * seconds * 2) + 1_000;

    log(`webhook ingest: hub, warm-up ${options.warmupSeconds} s`);
    const hubWarmup = await runMaxLoad({ ...common, url: hookUrl, ...warmup, poolSize: 5_000, cycle: false });
    const afterWarmup = await drainQuietly(bench, options, 'warm-up');

    // Bare and hub alternate, so both see the same machine within a round; the ratio quoted is the
    // median round's.
    const rounds: MaxRateRound[] = [];
    const hubPhases: LoadResult[] = [];
    let afterMax: DrainResult = afterWarmup;
    for (let round = 1; round <= options.rounds; round++) {
      const label = options.rounds > 1 ? ` (round ${round} of ${options.rounds})` : '';
      log(`webhook ingest: bare server then hub, ${options.connections} connections for ${options.durationSeconds} s each${label}`);
      const bareMax = await measured('bare', (started) => bareLoad(options.durationSeconds, started));
      const hubMax = await measured('hub', (started) =>
        runMaxLoad({ ...common, url: hookUrl, ...timed, poolSize: poolFor(options.durationSeconds, hubWarmup.requestsPerSecond), cycle: false }, started),
      );
      hubPhases.push(hubMax);
      afterMax = await drainQuietly(bench, options, 'max-rate run');
      rounds.push({ bare: phase(bareMax), hub: phase(hubMax), ratio: hubMax.requestsPerSecond / bareMax.requestsPerSecond });
    }
    const median = medianRound(rounds);

    const rate = Math.max(1, Math.floor(median.hub.requestsPerSecond / 2));
    const paced = { ...common, ...timed, rate, poolSize: Math.ceil(rate * options.durationSeconds) };
    log(`webhook ingest: half the hub's max rate (${rate.toLocaleString('en-US')} req/s, evenly paced) for ${options.durationSeconds} s, bare server then hub`);
    const bareHalf = await measured('bare @ half rate', (started) => runPacedLoad({ ...paced, url: bare.url }, started));
    const hubHalf = await measured('hub @ half rate', (started) => runPacedLoad({ ...paced, url: hookUrl }, started));
    const afterHalfRate = await drainQuietly(bench, options, 'half-rate run');

    return {
      rounds,
      bare: median.bare,
      hub: median.hub,
      halfRate: { rate, bare: phase(bareHalf), hub: phase(hubHalf) },
      hubWarmup: phase(hubWarmup),
      drains: { afterWarmup, afterMax, afterHalfRate },
      honesty: await checkHonesty(bench, integration.id, [hubWarmup, ...hubPhases, hubHalf]),
    };
  } finally {
    await bare.close();
  }
}

/** The round whose ratio is the median (the lower middle one of an even count). */
export function medianRound(rounds: MaxRateRound[]): MaxRateRound {
  const sorted = [...rounds].sort((a, b) => a.ratio - b.ratio);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!middle) throw new Error('no max-rate round was measured');
  return middle;
}

function phase<T extends LoadResult>({ acknowledgedEventIds: _ids, ...rest }: T): Omit<T, 'acknowledgedEventIds'> {
  return rest;
}

/**
 * Every 2xx promised a committed row: each event id the hub answered with must be in the table.
 * Rows beyond the 2xx count may only come from requests cut off in flight at the end of a phase
 * (sent, committed, never answered because the load generator had hung up).
 */
async function checkHonesty(bench: BenchHub, integrationId: string, phases: LoadResult[]): Promise<Honesty> {
  const db = bench.running.hub.db;
  const ids = phases.flatMap((p) => p.acknowledgedEventIds);
  const found = ids.length === 0 ? { n: 0 } : await db
    .selectFrom('integration_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('integration_id', '=', integrationId)
    // One array parameter: an IN list of this many ids would pass Postgres's 65,535-parameter limit.
    .where(sql<boolean>`id = any(${ids}::uuid[])`)
    .executeTakeFirstOrThrow();
  const stored = await db
    .selectFrom('integration_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('integration_id', '=', integrationId)
    .executeTakeFirstOrThrow();
  const responses2xx = phases.reduce((sum, p) => sum + p.ok2xx, 0);
  const sentWithoutAnswer = phases.reduce((sum, p) => sum + p.sentWithoutAnswer, 0);
  const storedEvents = Number(stored.n);
  const acknowledgedFound = Number(found.n);
  const ok = ids.length === responses2xx && acknowledgedFound === responses2xx && storedEvents >= responses2xx && storedEvents - responses2xx <= sentWithoutAnswer;
  return { responses2xx, acknowledgedFound, acknowledgedIds: ids.length, storedEvents, sentWithoutAnswer, ok };
}

async function drainQuietly(bench: BenchHub, options: WebhookIngestOptions, after: string): Promise<DrainResult> {
  const drain = await drainEvents(bench, options.drainTimeoutSeconds);
  if (drain.pendingAtStart === 0) return drain;
  const rate = drain.eventsPerSecond ? `, ${Math.round(drain.eventsPerSecond).toLocaleString('en-US')} events/s` : '';
  const left = drain.pendingAtEnd > 0 ? ` — gave up with ${drain.pendingAtEnd.toLocaleString('en-US')} still pending` : '';
  options.log(`  workers routed ${(drain.pendingAtStart - drain.pendingAtEnd).toLocaleString('en-US')} queued events after the ${after} in ${drain.seconds.toFixed(1)} s${rate}${left}`);
  return drain;
}
