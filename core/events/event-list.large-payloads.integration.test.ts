import { sql, type KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { walkKeysetPages } from '../../test-support/keyset-pages.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import type { HubContext } from '../server/hub-context.ts';
import { EVENT_PAGE_PAYLOAD_BYTES, listEventPage } from './event-page.query.ts';

interface ListedEvent {
  id: string;
  receivedAt: string;
  payload: { body: string };
}

// Webhook bodies may be 1 MB each and polled records more: GET /api/events?limit=500 read and
// answered the whole page of payloads at once and failed. A page now carries a few MB of payloads
// and is shorter when they are large; paging on from its last event reaches every event once.
describe.each(RUNTIME_MODES)('listing events with large payloads on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let integrationId = '';
  const large = Math.floor(EVENT_PAGE_PAYLOAD_BYTES * 0.3);
  // Larger than a whole page may be: a polled record can be (a webhook body cannot).
  const huge = EVENT_PAGE_PAYLOAD_BYTES + 1024 * 1024;
  // Newest first: small ones, the huge one, large ones (two to an instant), small ones.
  const sizes = [...Array<number>(5).fill(10), huge, ...Array<number>(9).fill(large), ...Array<number>(5).fill(10)];
  let newestFirst: Array<{ id: string; size: number }> = [];

  beforeAll(async () => {
    test = await startTestHub({ label: 'event_list_large', ...options, connectors: [...connectors, testkit] });
    tenant = await test.createTenant('acme');
    integrationId = (await createTestkitIntegration(test, tenant, 'event-list-large')).id;
    for (const [index, size] of sizes.entries()) {
      await sql`insert into integration_events (tenant_id, integration_id, source, type, payload, payload_hash, dedupe_key, status, received_at)
        values (${tenant.id}, ${integrationId}, 'webhook', 'item.updated', jsonb_build_object('body', repeat('x', ${size}::int)), 'h', ${`k-${index}`}, 'processed',
          '2030-01-01T00:00:00Z'::timestamptz - make_interval(secs => ${Math.floor(index / 2)}::int))`.execute(test.hub.db);
    }
    const { rows } = await sql<{ id: string; size: number }>`select id, length(payload->>'body') as size from integration_events
      where tenant_id = ${tenant.id} order by received_at desc, id desc`.execute(test.hub.db);
    newestFirst = rows;
  }, 60_000);
  afterAll(async () => {
    await test?.close();
  });

  async function walk(): Promise<ListedEvent[][]> {
    const pages: ListedEvent[][] = [];
    await walkKeysetPages(
      async (query) => {
        const response = await test.request('get', `/api/events?${query}`, { token: tenant.tokens.viewer });
        expect(response.status).toBe(200);
        const { events } = (await response.json()) as { events: ListedEvent[] };
        if (events.length > 0) pages.push(events);
        return events;
      },
      `integrationId=${integrationId}&limit=500`,
      (event) => event.receivedAt,
    );
    return pages;
  }

  it('answers limit=500 with shorter pages whose paging reaches every event exactly once, payloads whole', async () => {
    const pages = await walk();
    expect(pages.length).toBeGreaterThan(1);
    expect(pages[0]!.length).toBeLessThan(sizes.length);
    const seen = pages.flat();
    expect(seen.map((event) => event.id)).toEqual(newestFirst.map((event) => event.id));
    expect(seen.map((event) => event.payload.body.length)).toEqual(newestFirst.map((event) => event.size));
    for (const page of pages) {
      if (page.length === 1) continue;
      const payloadBytes = page.reduce((sum, event) => sum + JSON.stringify(event.payload).length, 0);
      expect(payloadBytes).toBeLessThanOrEqual(EVENT_PAGE_PAYLOAD_BYTES);
    }
  });

  it('answers an event larger than a page on its own, whole, and pages on past it', async () => {
    const pages = await walk();
    const alone = pages.find((page) => page.some((event) => event.payload.body.length === huge));
    expect(alone?.length).toBe(1);
    expect(alone![0]!.payload.body).toBe('x'.repeat(huge));
    expect(pages.indexOf(alone!)).toBeLessThan(pages.length - 1);
  });

  // Last: it removes the newest event. On PostgreSQL only: the removal runs while the page's first
  // read still holds its connection, and PGlite has only the one.
  it.runIf(options.database === 'postgres')('reads again from the same place when the events a page kept are removed before their payloads are read', async () => {
    const [victim, next] = newestFirst;
    let removed = false;
    // Removes the victim once the page has been sized and chosen (the first query), as history
    // retention or an integration's deletion could at that moment.
    const removeAfterSizing: KyselyPlugin = {
      transformQuery: (args) => args.node,
      async transformResult(args) {
        if (!removed) {
          removed = true;
          await test.hub.db.deleteFrom('integration_events').where('id', '=', victim!.id).execute();
        }
        return args.result;
      },
    };
    const hub = { ...test.hub, db: test.hub.db.withPlugin(removeAfterSizing) } as HubContext;
    const page = await listEventPage(hub, tenant.id, { integrationId, limit: 1 });
    expect(removed).toBe(true);
    expect(page.map((event) => event.id)).toEqual([next!.id]);
  });
});
