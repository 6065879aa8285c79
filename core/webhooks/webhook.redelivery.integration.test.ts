import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { signTestkit, testkit, TESTKIT_DELIVERY_HEADER, TESTKIT_SIGNATURE_HEADER } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { listen, type HttpServer } from '../server/http-server.ts';
import { webhookListener } from './webhook.listener.ts';

// A sender whose first answer was lost (a timeout, a dropped connection) sends the delivery again.
// Its second answer must name the events the first one did, so the sender can still record which
// event its delivery became.

const SECRET = 'hook-secret-123';

/** Test kit whose deliveries carry several events (`{ items: [{ type, id }] }`), as batching senders send them. */
const multikit = {
  ...testkit,
  id: 'multikit',
  webhook: {
    ...testkit.webhook!,
    parse(request: { rawBody: Buffer; headers: Record<string, string | undefined> }) {
      const body = JSON.parse(request.rawBody.toString('utf8')) as { items: Array<{ type: string; id: string }> };
      const delivery = request.headers[TESTKIT_DELIVERY_HEADER];
      return body.items.map((item) => ({ ...(delivery ? { deliveryId: delivery } : {}), type: item.type, externalId: item.id, payload: {} }));
    },
  },
} as unknown as AnyConnector;

interface Answer {
  accepted: number;
  duplicates: number;
  eventIds: string[];
  duplicateEventIds: string[];
}

describe.each(RUNTIME_MODES)('a redelivered webhook on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let server: HttpServer;
  let single: { id: string };
  let multi: { id: string };

  beforeAll(async () => {
    test = await startTestHub({ label: 'hooks_redelivery', ...options, connectors: [...connectors, testkit, multikit] });
    tenant = await test.createTenant('acme');
    server = await listen(test.app, 0, '127.0.0.1', await webhookListener(test.hub));
    single = await createTestkitIntegration(test, tenant, `redelivery-${Math.random()}`);
    multi = await createTestkitIntegration(test, tenant, `redelivery-multi-${Math.random()}`, { connector: 'multikit' });
  });
  afterAll(async () => {
    await server?.close(1_000);
    await test?.close();
  });

  async function deliver(integrationId: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
    const response = await fetch(`http://127.0.0.1:${server.port}/hooks/${integrationId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [TESTKIT_SIGNATURE_HEADER]: signTestkit(SECRET, body), ...headers },
      body,
    });
    expect(response.status).toBe(202);
    return (await response.json()) as Answer;
  }

  async function storedIds(integrationId: string, externalIds: string[]): Promise<string[]> {
    const rows = await test.hub.db.selectFrom('integration_events').select(['id', 'external_id']).where('integration_id', '=', integrationId).where('external_id', 'in', externalIds).execute();
    return externalIds.map((externalId) => rows.find((row) => row.external_id === externalId)?.id ?? 'missing');
  }

  it('answers a retry with the event id the first answer gave, marked as already stored', async () => {
    const body = JSON.stringify({ type: 'finding.created', id: 'r-1' });
    const first = await deliver(single.id, body, { [TESTKIT_DELIVERY_HEADER]: 'rd-1' });
    const [id] = await storedIds(single.id, ['r-1']);
    expect(first).toEqual({ accepted: 1, duplicates: 0, eventIds: [id], duplicateEventIds: [] });
    const retry = await deliver(single.id, body, { [TESTKIT_DELIVERY_HEADER]: 'rd-1' });
    expect(retry).toEqual({ accepted: 0, duplicates: 1, eventIds: [id], duplicateEventIds: [id] });
  });

  it('names the stored event for a retry deduplicated by its body hash (no delivery id)', async () => {
    const body = JSON.stringify({ type: 'finding.created', id: 'r-anonymous' });
    const first = await deliver(single.id, body);
    const retry = await deliver(single.id, body);
    expect(await storedIds(single.id, ['r-anonymous'])).toEqual(first.eventIds);
    expect(retry).toEqual({ accepted: 0, duplicates: 1, eventIds: first.eventIds, duplicateEventIds: first.eventIds });
  });

  it('lists every event of a delivery in the order it carries them, new and already stored alike', async () => {
    // The sender's first attempt carried one event; its retry carries that one and one more.
    const headers = { [TESTKIT_DELIVERY_HEADER]: 'rd-multi' };
    await deliver(multi.id, JSON.stringify({ items: [{ type: 'finding.created', id: 'm-a' }] }), headers);
    const answer = await deliver(multi.id, JSON.stringify({ items: [{ type: 'finding.created', id: 'm-a' }, { type: 'finding.created', id: 'm-b' }] }), headers);
    const [a, b] = await storedIds(multi.id, ['m-a', 'm-b']);
    expect(answer).toEqual({ accepted: 1, duplicates: 1, eventIds: [a, b], duplicateEventIds: [a] });
  });

  it('names the event for copies of one delivery that arrive together, whichever stored it', async () => {
    const body = JSON.stringify({ type: 'finding.created', id: 'r-burst' });
    const answers = await Promise.all(Array.from({ length: 20 }, () => deliver(single.id, body, { [TESTKIT_DELIVERY_HEADER]: 'rd-burst' })));
    const [id] = await storedIds(single.id, ['r-burst']);
    expect(answers.filter((answer) => answer.accepted === 1)).toHaveLength(1);
    expect(answers.map((answer) => answer.eventIds)).toEqual(answers.map(() => [id]));
    expect(answers.map((answer) => answer.duplicateEventIds.length).sort()).toEqual([0, ...Array.from({ length: 19 }, () => 1)]);
  });
});
