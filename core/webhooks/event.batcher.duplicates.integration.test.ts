import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { createEventBatcher, type NewEvent } from './event.batcher.ts';

// What a duplicate costs: the id of the event it duplicates is looked up only for rows the INSERT
// skipped, once for all of them in a batch; a batch of new events is still one statement.

/** Counts the statements run through the database it is added to. */
class StatementCounter implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.count += 1;
    return args.result;
  }
}

describe.each(RUNTIME_MODES)('inbound event batches meeting duplicates on $name', ({ options }) => {
  let test: TestHub;
  let event: (key: string) => NewEvent;

  beforeAll(async () => {
    test = await startTestHub({ label: 'batcher_duplicates', ...options, connectors: [...connectors, testkit] });
    const tenant = await test.createTenant('acme');
    const integration = await createTestkitIntegration(test, tenant, `batcher-duplicates-${Math.random()}`);
    event = (key) => ({
      tenant_id: tenant.id, integration_id: integration.id, source: 'webhook', type: 'finding.created',
      payload: { key }, payload_hash: key, dedupe_key: key, status: 'pending',
    });
  });
  afterAll(async () => {
    await test?.close();
  });

  function countedBatcher() {
    const statements = new StatementCounter();
    const batcher = createEventBatcher({ db: test.hub.db.withPlugin(statements) });
    return { batcher, statements };
  }

  async function storedId(key: string): Promise<string | undefined> {
    return (await test.hub.db.selectFrom('integration_events').select('id').where('dedupe_key', '=', key).executeTakeFirst())?.id;
  }

  it('stores a batch of new events in one statement, each with its own id', async () => {
    const { batcher, statements } = countedBatcher();
    const results = await Promise.all(['new-a', 'new-b', 'new-c'].map((key) => batcher.insert(event(key))));
    expect(results).toEqual([
      { id: await storedId('new-a'), created: true, pending: false },
      { id: await storedId('new-b'), created: true, pending: false },
      { id: await storedId('new-c'), created: true, pending: false },
    ]);
    expect(statements.count).toBe(1);
  });

  it('gives copies within one batch the id of the row the first one stored, without a lookup', async () => {
    const { batcher, statements } = countedBatcher();
    const results = await Promise.all(['twin', 'twin', 'twin'].map((key) => batcher.insert(event(key))));
    const id = await storedId('twin');
    expect(results.map((result) => [result.id, result.created])).toEqual([[id, true], [id, false], [id, false]]);
    expect(statements.count).toBe(1);
  });

  it('finds the stored ids of every duplicate in a batch with one lookup, and answers the new events beside them', async () => {
    await createEventBatcher(test.hub).insert(event('old-1'));
    await createEventBatcher(test.hub).insert(event('old-2'));
    const { batcher, statements } = countedBatcher();
    const results = await Promise.all(['old-1', 'fresh', 'old-2', 'old-1'].map((key) => batcher.insert(event(key))));
    expect(results.map((result) => [result.id, result.created])).toEqual([
      [await storedId('old-1'), false],
      [await storedId('fresh'), true],
      [await storedId('old-2'), false],
      [await storedId('old-1'), false],
    ]);
    expect(statements.count).toBe(2);
  });

  it('finds a duplicate stored under a hashed key (one too long for the unique index)', async () => {
    const huge = `${'k'.repeat(6_000)}:0`;
    const first = await createEventBatcher(test.hub).insert(event(huge));
    const again = await createEventBatcher(test.hub).insert(event(huge));
    expect(again).toEqual({ id: first.id, created: false, pending: false });
  });
});
