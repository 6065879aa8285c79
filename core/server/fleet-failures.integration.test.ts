import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../../test-support/fake-slack/index.ts';
import { hubFleet, type HubFleet } from '../../test-support/hub-fleet.ts';
import { incidentDelivery, incidentNumber, routeIncidentsToSlack, type IncidentsToSlack } from '../../test-support/incidents-to-slack.ts';
import { privateRedis, type PrivateRedis } from '../../test-support/private-redis.ts';
import { tcpProxy, type TcpProxy } from '../../test-support/tcp-proxy.ts';
import { createTestDatabase, terminateConnections, uniquePrefix, type TestDatabase } from '../../test-support/test-database.ts';
import { waitFor } from '../../test-support/wait-for.ts';

// A webhook answered 2xx is stored and routed, and a route's action runs once per event, whatever
// fails meanwhile (README, Integrations, schedules and runs: PostgreSQL is the source of truth, a
// reconciler hands back what Redis lost). Two API and two worker processes take a burst of
// ServiceNow webhooks routed to a Slack post (which Slack cannot deduplicate) while Redis is cut
// off, then killed (losing every job and lock it held) and restarted, and then PostgreSQL ends
// every connection three times. Once it settles, every delivery is stored once, posted once, and
// nothing is left queued or running.

const DELIVERIES = 120;

let database: TestDatabase;
let redis: PrivateRedis;
let redisLink: TcpProxy;
let slack: FakeSlack;
let fleet: HubFleet;
let route: IncidentsToSlack;
let sql: pg.Client | undefined;

beforeAll(async () => {
  database = await createTestDatabase('fleet_failures');
  redis = await privateRedis();
  redisLink = await tcpProxy(redis.port);
  slack = await startFakeSlack();
  fleet = hubFleet({ databaseUrl: database.url, redisUrl: `redis://127.0.0.1:${redisLink.port}`, queuePrefix: uniquePrefix('fleet') });
  await fleet.boot(['api', 'api', 'worker', 'worker']);
  route = await routeIncidentsToSlack(fleet, slack);
}, 90_000);

afterAll(async () => {
  await sql?.end();
  await fleet?.kill();
  await redisLink?.close();
  await redis?.stop();
  await slack?.close();
  await database?.drop();
});

/**
 * Sends delivery `n` as a sender does: again (same delivery id) until it is acknowledged, to the
 * next API process each time. Resolves with the event ids of the answer, or undefined if none
 * acknowledged it.
 */
async function deliverUntilAcknowledged(n: number): Promise<string[] | undefined> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = fleet.apiPorts[(n + attempt) % fleet.apiPorts.length];
    try {
      const response = await fetch(`http://127.0.0.1:${port}/hooks/${route.sourceId}`, { ...incidentDelivery(route, n), signal: AbortSignal.timeout(10_000) });
      const json = (await response.json()) as { eventIds?: string[] };
      if (response.ok) return json.eventIds ?? [];
    } catch {
      // Not acknowledged: sent again below.
    }
    await sleep(500);
  }
  return undefined;
}

/** One delivery every 100 ms, each retried on its own, as a busy ServiceNow instance sends them. */
async function sendBurst(): Promise<Array<string[] | undefined>> {
  const sending: Array<Promise<string[] | undefined>> = [];
  for (let n = 0; n < DELIVERIES; n++) {
    sending.push(deliverUntilAcknowledged(n));
    await sleep(100);
  }
  return Promise.all(sending);
}

/** Timed to fall inside the burst (about 12 s): the link cut, Redis lost, PostgreSQL sessions ended. */
async function breakDependencies(): Promise<void> {
  await sleep(1500);
  redisLink.cut();
  await sleep(4000);
  redisLink.restore();
  await sleep(2000);
  await redis.stop();
  await sleep(2000);
  await redis.start();
  await sleep(1000);
  for (const pause of [700, 400, 0]) {
    await terminateConnections(database);
    await sleep(pause);
  }
}

async function countRows(query: string): Promise<number> {
  const { rows } = await sql!.query<{ n: number }>(`select count(*)::int as n from (${query}) as counted`);
  return rows[0]!.n;
}

describe('a fleet whose Redis and PostgreSQL fail under a burst of routed webhooks', { timeout: 180_000 }, () => {
  it('loses no acknowledged webhook, posts each routed event once and leaves nothing stuck', async () => {
    const [answers] = await Promise.all([sendBurst(), breakDependencies()]);
    // Opened after the failures, so the test's own session is not among those ended.
    sql = new pg.Client({ connectionString: database.url });
    await sql.connect();

    expect(answers.flatMap((ids, n) => (ids ? [] : [n])), 'deliveries never acknowledged').toEqual([]);
    // Each delivery stored once, whether it was acknowledged the first time or on a retry.
    const stored = await sql.query<{ id: string }>(`select id from integration_events where source = 'webhook'`);
    expect(stored.rows).toHaveLength(DELIVERIES);
    const storedIds = new Set(stored.rows.map((row) => row.id));
    expect(answers.flat().filter((id) => id !== undefined && !storedIds.has(id)), 'acknowledged event ids not stored').toEqual([]);

    await waitFor('every event routed and every action run finished', async () =>
      (await countRows(`select 1 from integration_events where status = 'pending'`)) === 0 &&
      (await countRows(`select 1 from integration_runs where status in ('queued', 'running')`)) === 0 &&
      (await countRows(`select 1 from integration_runs where kind = 'action'`)) >= DELIVERIES,
    90_000).catch(async (error: Error) => {
      const runs = await sql!.query(`select kind, status, error_code, count(*)::int from integration_runs group by 1, 2, 3`);
      const events = await sql!.query(`select status, count(*)::int from integration_events group by 1`);
      throw new Error(`${error.message}: runs ${JSON.stringify(runs.rows)}, events ${JSON.stringify(events.rows)}`);
    });

    const { rows: actions } = await sql.query<{ status: string; error_code: string | null }>(`select status, error_code from integration_runs where kind = 'action'`);
    const outcomes: Record<string, number> = {};
    for (const run of actions) {
      const outcome = `${run.status}:${run.error_code ?? ''}`;
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    const postsPerIncident = new Map<string | undefined, number>();
    for (const message of slack.messages) postsPerIncident.set(message.text, (postsPerIncident.get(message.text) ?? 0) + 1);
    expect([...postsPerIncident].filter(([, posts]) => posts > 1), `posted more than once (action runs: ${JSON.stringify(outcomes)})`).toEqual([]);
    expect([...postsPerIncident.keys()].sort()).toEqual(Array.from({ length: DELIVERIES }, (_, n) => incidentNumber(n)).sort());
    expect(outcomes, 'every action run succeeded, once').toEqual({ 'succeeded:': DELIVERIES });

    // The failures were weathered, not survived by luck of a restart.
    for (const hub of fleet.processes) expect(hub.child.exitCode).toBeNull();
    for (const port of fleet.apiPorts) expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
  });
});
