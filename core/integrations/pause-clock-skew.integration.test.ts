import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { setPaused } from './integration.service.ts';
import type { HubContext } from '../server/hub-context.ts';
import type { Principal } from '../auth/principal.ts';

// README: while paused, "a sync asked for by hand (Run now, POST /api/integrations/:id/sync) still
// runs, unless it was queued before the pause". run.hold.ts compares when the pause began with when
// the sync was queued, so both are stamped by the database's clock: an API process whose clock runs
// a few seconds ahead must not pause "in the future" and hold every Run now until the resume.

// Split deployments only (an embedded hub is one process on one clock).
describe.each(RUNTIME_MODES.filter((mode) => mode.options.database === 'postgres'))('Run now after a pause stamped by an API process whose clock is ahead ($name)', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  beforeAll(async () => {
    test = await startTestHub({ label: 'sched_pause_skew', ...options, connectors: [...connectors, testkit], workers: true });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('still runs the manual sync asked for after the pause', async () => {
    const dataset = `skew-${Math.random()}`;
    testkitUpstream(dataset).records.set('r1', { v: 1 });
    const integration = await createTestkitIntegration(test, tenant, dataset);
    const principal: Principal = { tenantId: tenant.id, role: 'operator', actorType: 'token', actorId: 'skewed', label: 'token:skewed', person: 'token:skewed' };
    const apiAhead: HubContext = { ...test.hub, clock: () => new Date(Date.now() + 5_000) };
    await setPaused(apiAhead, principal, integration.id, true, 'req-skew');

    await sleep(50);
    // Asked for after the pause, through the normal API.
    const response = await test.request('post', `/api/integrations/${integration.id}/sync`, { token: tenant.tokens.operator, body: {} });
    expect(response.status).toBe(202);
    const runId = (await response.json()).runs[0].id as string;

    // Well over the skew: held until the resume, it would still be queued then.
    const statusOf = async () => (await test.hub.db.selectFrom('integration_runs').select('status').where('id', '=', runId).executeTakeFirstOrThrow()).status;
    await waitFor('the manual sync to run during the pause', async () => (await statusOf()) === 'succeeded', 10_000);
  });
});
