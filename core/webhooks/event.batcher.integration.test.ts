import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { startTestHub, type TestHub } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { createEventBatcher, OVERLAP_BATCH, type NewEvent } from './event.batcher.ts';

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

  /** Counts the batch INSERTs handed to a PostgreSQL connection from now on. */
  function countInsertsIssued(): () => number {
    let issued = 0;
    const query = pg.Client.prototype.query;
    vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
      const config = args[0] as string | { text?: string };
      if ((typeof config === 'string' ? config : config.text ?? '').includes('prepared:insert_inbound_events')) issued += 1;
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query);
    return () => issued;
  }

  async function insertsWaitingOnALock(): Promise<number> {
    const { rows } = await observer.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and query like '%prepared:insert_inbound_events%' and state = 'active' and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
    );
    return rows[0]!.n;
  }

  async function insertsInFlight(): Promise<number> {
    const { rows } = await observer.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and query like '%prepared:insert_inbound_events%' and state = 'active' and pid <> pg_backend_pid()`,
    );
    return rows[0]!.n;
  }

  it('sends one batch at a time while commits are quick, a second beside a slow one, and loses nothing', async () => {
    // A slow-commit threshold far above how long the probes take, so "not yet slow" holds while they
    // look, on a busy machine too.
    const batcher = createEventBatcher(test.hub, { slowCommitMs: 3_000 });
    await blocker.query('begin');
    await blocker.query('lock table integration_events in share mode');
    try {
      const first = batcher.insert(event('first'));
      await waitFor('the first batch in flight', async () => (await insertsInFlight()) === 1);
      // Fewer than a batch's worth, arriving while the first is in flight and not yet slow: they wait for it, together.
      const rest = Array.from({ length: OVERLAP_BATCH - 1 }, (_, index) => batcher.insert(event(`rest-${index}`)));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await insertsInFlight()).toBe(1);
      // Past the slow-commit threshold the waiting ones go as one batch beside it: two in flight.
      await waitFor('a second batch beside the slow one', async () => (await insertsInFlight()) === 2);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await insertsInFlight()).toBe(2);
      await blocker.query('rollback');
      const results = await Promise.all([first, ...rest]);
      expect(results.every((result) => result.created)).toBe(true);
    } finally {
      await blocker.query('rollback').catch(() => undefined);
    }
    const stored = await test.hub.db.selectFrom('integration_events').select((eb) => eb.fn.countAll<number>().as('n')).where('dedupe_key', 'in', ['first', ...Array.from({ length: OVERLAP_BATCH - 1 }, (_, index) => `rest-${index}`)]).executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(OVERLAP_BATCH);
  });

  it('starts a batch beside the one in flight as soon as a batch\'s worth waits, up to four at once', async () => {
    const batcher = createEventBatcher(test.hub, { slowCommitMs: 60_000 });
    const keys: string[] = [];
    const insert = (key: string) => (keys.push(key), batcher.insert(event(key)));
    await blocker.query('begin');
    await blocker.query('lock table integration_events in share mode');
    try {
      const inserted = [insert('lead')];
      await waitFor('the first batch in flight', async () => (await insertsInFlight()) === 1);
      // No slow commit needed: a full batch's worth does not wait for the one in flight.
      inserted.push(...Array.from({ length: OVERLAP_BATCH }, (_, index) => insert(`second-${index}`)));
      await waitFor('a second batch beside the first', async () => (await insertsInFlight()) === 2);
      const batchOfMore = (round: number) => Array.from({ length: OVERLAP_BATCH }, (_, index) => insert(`more-${round}-${index}`));
      for (const expected of [3, 4]) {
        inserted.push(...batchOfMore(expected));
        await waitFor(`${expected} batches in flight`, async () => (await insertsInFlight()) === expected);
      }
      inserted.push(...batchOfMore(5));
      await new Promise((resolve) => setTimeout(resolve, 100));
      // The rest wait: no more than four INSERTs at once.
      expect(await insertsInFlight()).toBe(4);
      await blocker.query('rollback');
      const results = await Promise.all(inserted);
      expect(results.every((result) => result.created)).toBe(true);
    } finally {
      await blocker.query('rollback').catch(() => undefined);
    }
    const stored = await test.hub.db.selectFrom('integration_events').select((eb) => eb.fn.countAll<number>().as('n')).where('dedupe_key', 'in', keys).executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(keys.length);
  });

  it('sends the deliveries that waited as soon as the INSERT before them returns, before other work of the event loop', async () => {
    const insertsIssued = countInsertsIssued();
    try {
      const batcher = createEventBatcher(test.hub, { slowCommitMs: 60_000 });
      await blocker.query('begin');
      await blocker.query('lock table integration_events in share mode');
      const first = batcher.insert(event('turn-first'));
      await waitFor('the first batch in flight', async () => insertsIssued() === 1);
      const waiting = batcher.insert(event('turn-waiting'));
      // Checked once the event loop moves on from answering the first batch (its check phase, where
      // a setImmediate runs): by then the waiting delivery must be on its way to PostgreSQL.
      const issuedThen = first.then(() => new Promise<number>((resolve) => setImmediate(() => resolve(insertsIssued()))));
      await blocker.query('rollback');
      expect(await issuedThen).toBe(2);
      expect((await waiting).created).toBe(true);
    } finally {
      await blocker.query('rollback').catch(() => undefined);
      vi.restoreAllMocks();
    }
  });

  it('does not deadlock two batches in flight that hold the same keys in opposite order', async () => {
    const batcher = createEventBatcher(test.hub, { slowCommitMs: 50 });
    const [tenant] = await test.hub.db.selectFrom('integration_configs').select(['tenant_id', 'id']).execute();
    // Another session holds key "dl-z" uncommitted, which stalls batch A partway through its rows,
    // as a large batch or a busy backend would be mid-statement.
    await blocker.query('begin');
    await blocker.query(
      `insert into integration_events (id, tenant_id, integration_id, source, type, payload, payload_hash, dedupe_key, status)
       values (gen_random_uuid(), $1, $2, 'webhook', 'finding.created', '{}', 'z', 'dl-z', 'pending')`,
      [tenant!.tenant_id, tenant!.id],
    );
    try {
      const batchA = [batcher.insert(event('dl-x')), batcher.insert(event('dl-z')), batcher.insert(event('dl-y'))];
      await waitFor('batch A waiting on dl-z', async () => (await insertsWaitingOnALock()) === 1);
      // The same keys again in the other order (a redelivery): past the slow-commit threshold they
      // go beside A. Inserted in arrival order, B would take dl-y and wait for dl-x while A, once
      // dl-z is free, waits for dl-y: a deadlock that fails both batches.
      const batchB = [batcher.insert(event('dl-y')), batcher.insert(event('dl-x'))];
      await waitFor('batch B in flight beside A', async () => (await insertsInFlight()) === 2);
      await blocker.query('rollback');
      const settled = await Promise.allSettled([...batchA, ...batchB]);
      expect(settled.filter((result) => result.status === 'rejected')).toEqual([]);
      const results = settled.map((result) => (result as PromiseFulfilledResult<{ id: string; created: boolean }>).value);
      // A stores all three; B's are duplicates, answered with the ids A stored.
      expect(results.map((result) => result.created)).toEqual([true, true, true, false, false]);
      expect(results.slice(3).map((result) => result.id)).toEqual([results[2]!.id, results[0]!.id]);
    } finally {
      await blocker.query('rollback').catch(() => undefined);
    }
  });

  it('stores a delivery whose key is too long for the unique index under its hash, still deduplicated', async () => {
    const batcher = createEventBatcher(test.hub);
    // Senders choose delivery ids; a btree entry holds about 2.7 kB.
    const huge = `${'k'.repeat(6_000)}:0`;
    const [before, first, after] = await Promise.all([batcher.insert(event('long-before')), batcher.insert(event(huge)), batcher.insert(event('long-after'))]);
    expect([before.created, first.created, after.created]).toEqual([true, true, true]);
    expect(await batcher.insert(event(huge))).toMatchObject({ id: first.id, created: false });
    const [stored] = await test.hub.db.selectFrom('integration_events').select('dedupe_key').where('id', '=', first.id).execute();
    expect(stored?.dedupe_key).toMatch(/^sha256:[0-9a-f]{64}$/);
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
