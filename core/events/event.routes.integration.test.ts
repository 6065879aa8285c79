import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { walkKeysetPages } from '../../test-support/keyset-pages.ts';

interface ListedEvent {
  id: string;
  type: string;
  receivedAt: string;
}

// Webhooks are stored in group commits whose rows share one received_at; paging by the last
// event's time alone skipped the rest of its instant (README, API: GET /api/events).
describe.each(RUNTIME_MODES)('paging events on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let integrationId = '';
  const future = '2030-01-01T00:00:00.123';
  const filter = () => `integrationId=${integrationId}&type=p.*`;

  beforeAll(async () => {
    test = await startTestHub({ label: 'event_list', ...options, connectors: [...connectors, testkit] });
    tenant = await test.createTenant('acme');
    integrationId = (await createTestkitIntegration(test, tenant, 'event-list')).id;
    // Five events within one millisecond, two pairs of them sharing one microsecond, and one event
    // of that millisecond that the type filter leaves out.
    const rows = [['900', 'p.a'], ['600', 'p.b'], ['600', 'q.x'], ['600', 'p.c'], ['300', 'p.d'], ['300', 'p.e']] as const;
    for (const [micros, type] of rows) {
      await sql`insert into integration_events (tenant_id, integration_id, source, type, payload, payload_hash, dedupe_key, status, received_at)
        values (${tenant.id}, ${integrationId}, 'webhook', ${type}, '{}'::jsonb, 'h', ${`k-${type}`}, 'processed', ${`${future}${micros}Z`}::timestamptz)`.execute(test.hub.db);
    }
  });
  afterAll(async () => {
    await test?.close();
  });

  async function page(query: string): Promise<ListedEvent[]> {
    const response = await test.request('get', `/api/events?${query}`, { token: tenant.tokens.viewer });
    expect(response.status).toBe(200);
    return (await response.json()).events;
  }

  const walk = (limit: number) => walkKeysetPages(page, `${filter()}&limit=${limit}`, (item: ListedEvent) => item.receivedAt);

  it('shows receivedAt with the microseconds PostgreSQL stored, in the list and for one event', async () => {
    const events = await page(`${filter()}&limit=10`);
    expect(events.map((event) => event.receivedAt)).toEqual([`${future}900Z`, `${future}600Z`, `${future}600Z`, `${future}300Z`, `${future}300Z`]);
    const one = await test.request('get', `/api/events/${events[1]!.id}`, { token: tenant.tokens.viewer });
    expect((await one.json()).receivedAt).toBe(`${future}600Z`);
  });

  it.each([1, 2, 3])('walks every event once, newest first, %i per page', async (limit) => {
    const seen = await walk(limit);
    const all = await page(`${filter()}&limit=10`);
    expect(seen.map((event) => event.id)).toEqual(all.map((event) => event.id));
    expect(seen.map((event) => event.type).sort()).toEqual(['p.a', 'p.b', 'p.c', 'p.d', 'p.e']);
  });

  it('pages by time alone when only before is given', async () => {
    const events = await page(`${filter()}&before=${encodeURIComponent(`${future}600Z`)}`);
    expect(events.map((event) => event.type).sort()).toEqual(['p.d', 'p.e']);
  });

  it('refuses beforeId without before, and one that is not a UUID', async () => {
    for (const query of ['beforeId=00000000-0000-4000-8000-000000000000', 'before=2030-01-02T00:00:00Z&beforeId=nope']) {
      const response = await test.request('get', `/api/events?${query}`, { token: tenant.tokens.viewer });
      expect(response.status).toBe(400);
      expect((await response.json()).error.fields.map((field: { path: string }) => field.path)).toEqual(['query.beforeId']);
    }
  });
});
