import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { startTestHub, type TestHub } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { createEventBatcher, type NewEvent } from './event.batcher.ts';

// How batches go to PostgreSQL, seen from pg_stat_activity while another session holds a lock that
// makes every INSERT into integration_events wait: the statements in flight are the batches.

describe('inbound event batches on PostgreSQL', () => {
  let test: TestHub;
  let blocker: pg.Client;
  // Outside the blocker's transaction, which would see pg_stat_activity as of its first read.
  let observer: pg.Client;
  let event: (key: string) => NewEvent;

  beforeAll(async () => {
    test = await startTestHub({ label: 'batcher', database: 'postgres', connectors: [...connectors, testkit] });
    const tenant = await test.createTenant('acme');
    const integration = await createTestkitIntegration(test, tenant, `batcher-${Math.random()}`);
    event = (key) => ({
      tenant_id: tenant.id, integration_id: integration.id, source: 'webhook', type: 'finding.created',
      payload: { key }, payload_hash: key, dedupe_key: key, status: 'pending',
    });
    const [database] = await test.hub.db.selectNoFrom((eb) => eb.fn<string>('current_database', []).as('name')).execute();
    const url = new URL(process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres');
    url.pathname = `/${database!.name}`;
    blocker = new pg.Client({ connectionString: url.toString() });
    observer = new pg.Client({ connectionString: url.toString() });
    await Promise.all([blocker.connect(), observer.connect()]);
  });
  afterAll(async () => {
    await blocker?.end();
    await observer?.end();
    await test?.close();
  });

  async function insertsInFlight(): Promise<number> {
    const { rows } = await observer.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and query like '%prepared:insert_inbound_events%' and state = 'active' and pid <> pg_backend_pid()`,
    );
    return rows[0]!.n;
  }

  it('sends one batch at a time while commits are quick, a second beside a slow one, and loses nothing', async () => {
    // A slow-commit threshold far above how long the probes take, so "not yet slow" holds while they look.
    const batcher = createEventBatcher(test.hub, { slowCommitMs: 1_000 });
    await blocker.query('begin');
    await blocker.query('lock table integration_events in share mode');
    try {
      const first = batcher.insert(event('first'));
      await waitFor('the first batch in flight', async () => (await insertsInFlight()) === 1);
      // Arriving while the first batch is in flight and not yet slow: they wait for it, together.
      const rest = Array.from({ length: 50 }, (_, index) => batcher.insert(event(`rest-${index}`)));
      expect(await insertsInFlight()).toBe(1);
      // Past the slow-commit threshold the waiting ones go as one batch beside it: two in flight.
      await waitFor('a second batch beside the slow one', async () => (await insertsInFlight()) === 2);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await insertsInFlight()).toBe(2);
      await blocker.query('rollback');
      const results = await Promise.all([first, ...rest]);
      expect(results.every((result) => result.id !== undefined)).toBe(true);
    } finally {
      await blocker.query('rollback').catch(() => undefined);
    }
    const stored = await test.hub.db.selectFrom('integration_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(51);
  });

  it('stores the rest of a batch when PostgreSQL refuses one event in it', async () => {
    const batcher = createEventBatcher(test.hub);
    // A NUL character cannot be stored in jsonb (SQLSTATE 22P05): the shared INSERT fails.
    const bad = { ...event('nul'), payload: { note: 'bad\u0000note' } };
    const settled = await Promise.allSettled([
      batcher.insert(event('before-0')),
      batcher.insert(event('before-1')),
      batcher.insert(bad),
      batcher.insert(event('after-0')),
    ]);
    expect(settled.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({ code: '22P05' });
    const stored = await test.hub.db.selectFrom('integration_events').select('dedupe_key').where('dedupe_key', 'in', ['before-0', 'before-1', 'nul', 'after-0']).execute();
    expect(stored.map((row) => row.dedupe_key).sort()).toEqual(['after-0', 'before-0', 'before-1']);
  });
});
