import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import type { BenchHub } from './bench-hub.ts';
import { cpuSecondsOfProcessesNamed, machineBusySeconds, processCpuSeconds } from './proc-cpu.ts';

// What the process and the database were doing during a phase, to tell "the hub is CPU-bound"
// (a busy core, a late event loop) from "the hub waits" (idle loop, slow commits), and to expose
// noise from outside: on a shared machine, other work on the same PostgreSQL server and disk
// (checkpoints requested by CREATE/DROP DATABASE, fsyncs) slows every durable commit.

export interface PhaseConditions {
  /** CPU of the bench process (servers under test, in-process workers) in cores: 1.0 = one full core. */
  processCores: number;
  /** CPU of the hub's worker process, when it has one (split topology). */
  workerCores: number | undefined;
  /** CPU of every PostgreSQL process on this machine (undefined when the server runs elsewhere). */
  postgresCores: number | undefined;
  /** Busy CPU of the whole machine, load generator and kernel included: what the phase cost in all. */
  machineCores: number | undefined;
  /** How late the event loop ran timers: high = CPU-bound or blocked. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** One-row durable commits from a side process, 20 a second: the floor under any durable 2xx. */
  commitLatencyMs: { p50: number; p99: number; max: number };
  /** Checkpoints requested on the PostgreSQL server during the phase, by anyone. */
  checkpointsRequested: number;
}

function percentiles(values: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => Number((sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0).toFixed(1));
  return { p50: at(0.5), p99: at(0.99), max: at(1) };
}

/** The commit probe in a process of its own, so the hub's busy event loop does not inflate it. */
async function startCommitProbe(databaseUrl: string): Promise<{ stop(): Promise<number[]> }> {
  const child = fork(fileURLToPath(new URL('./commit-probe.child.ts', import.meta.url)), [databaseUrl], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`commit probe exited with code ${code}`)));
  });
  return {
    async stop() {
      const latencies = new Promise<number[]>((resolve) => child.once('message', (message) => resolve(message as number[])));
      child.send('stop');
      const result = await latencies;
      await exited;
      return result;
    },
  };
}

const coresBetween = (before: number | undefined, after: number | undefined, seconds: number) =>
  before === undefined || after === undefined ? undefined : Number(((after - before) / seconds).toFixed(2));

async function checkpointsRequested(db: Kysely<any>): Promise<number> {
  const result = await sql<{ n: number }>`select checkpoints_req::int as n from pg_stat_bgwriter`.execute(db);
  return result.rows[0]?.n ?? 0;
}

export interface PhaseMonitor {
  /**
   * Starts the clock again: the load generators sign their requests before theirs starts, and that
   * work (in another process, the bench idle meanwhile) belongs to no request.
   */
  restart(): void;
  stop(): Promise<PhaseConditions>;
}

export async function monitorPhase(bench: BenchHub): Promise<PhaseMonitor> {
  const db = bench.running.hub.db;
  const checkpointsBefore = await checkpointsRequested(db);
  const probe = await startCommitProbe(bench.databaseUrl);
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  const snapshot = () => ({
    cpu: process.cpuUsage(),
    worker: processCpuSeconds(bench.workerPid),
    postgres: cpuSecondsOfProcessesNamed('postgres'),
    machine: machineBusySeconds(),
    at: performance.now(),
  });
  let before = snapshot();
  histogram.enable();
  return {
    restart() {
      histogram.reset();
      before = snapshot();
    },
    async stop() {
      histogram.disable();
      const cpu = process.cpuUsage(before.cpu);
      const seconds = (performance.now() - before.at) / 1000;
      const ms = (nanoseconds: number) => Number((nanoseconds / 1e6).toFixed(1));
      return {
        processCores: Number(((cpu.user + cpu.system) / 1e6 / seconds).toFixed(2)),
        workerCores: coresBetween(before.worker, processCpuSeconds(bench.workerPid), seconds),
        postgresCores: coresBetween(before.postgres, cpuSecondsOfProcessesNamed('postgres'), seconds),
        machineCores: coresBetween(before.machine, machineBusySeconds(), seconds),
        eventLoopDelayMs: { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) },
        commitLatencyMs: percentiles(await probe.stop()),
        checkpointsRequested: (await checkpointsRequested(db)) - checkpointsBefore,
      };
    },
  };
}

export function describeConditions(conditions: PhaseConditions): string {
  const loop = conditions.eventLoopDelayMs;
  const commit = conditions.commitLatencyMs;
  const checkpoints = conditions.checkpointsRequested > 0 ? `, ${conditions.checkpointsRequested} checkpoint(s) requested` : '';
  const worker = conditions.workerCores === undefined ? '' : `, worker process ${conditions.workerCores.toFixed(2)} cores`;
  const postgres = conditions.postgresCores === undefined ? '' : `, PostgreSQL ${conditions.postgresCores.toFixed(2)}`;
  const machine = conditions.machineCores === undefined ? '' : `, whole machine ${conditions.machineCores.toFixed(2)}`;
  return `bench process ${conditions.processCores.toFixed(2)} cores${worker}${postgres}${machine}, event-loop delay p99 ${loop.p99} ms, side commit p50/p99 ${commit.p50}/${commit.p99} ms${checkpoints}`;
}
