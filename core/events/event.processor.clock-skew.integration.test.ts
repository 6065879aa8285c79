import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, insertPendingEvent } from '../../test-support/testkit-integration.ts';
import type { HubContext } from '../server/hub-context.ts';
import { processEvents } from './event.processor.ts';

// An event's received_at is stamped by the database; its processed_at must be too, or a worker
// whose clock runs behind records an event routed before it arrived, and the time an event
// waited to be routed (processed_at − received_at) comes out negative.

describe.each(RUNTIME_MODES.filter((mode) => mode.options.database === 'postgres'))('an event routed by a worker whose clock is behind ($name)', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  beforeAll(async () => {
    test = await startTestHub({ label: 'event_processed_skew', ...options, connectors: [...connectors, testkit], workers: false });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('is stamped processed by the database clock, never before it was received', async () => {
    const source = await createTestkitIntegration(test, tenant, `skew-src-${Math.random()}`);
    const eventId = await insertPendingEvent(test, tenant, source.id, 'late-worker');
    const workerBehind: HubContext = { ...test.hub, clock: () => new Date(Date.now() - 3_600_000) };

    await processEvents(workerBehind, [eventId]);

    const row = await test.hub.db.selectFrom('integration_events').select(['status', 'received_at', 'processed_at']).where('id', '=', eventId).executeTakeFirstOrThrow();
    expect(row.status).toBe('processed');
    expect(row.processed_at!.getTime()).toBeGreaterThanOrEqual(row.received_at.getTime());
  });
});
