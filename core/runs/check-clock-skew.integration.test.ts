import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { checkIntegration } from './check.service.ts';
import { reconcile } from './reconciler.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import type { HubContext } from '../server/hub-context.ts';

// Heartbeats are stamped and judged by the database's clock, so processes' clocks need not agree:
// a check made by an API process whose clock is behind must not look abandoned to a reconcile pass.

const LEASE_SECONDS = 2;
/** A check against a slow upstream: it answers once the test lets it (well within a lease). */
let answerCheck: () => void = () => undefined;
const slowcheck = {
  ...testkit,
  id: 'slowcheck',
  async check() {
    await new Promise<void>((resolve) => (answerCheck = resolve));
    return { ok: true, detail: 'fine' };
  },
} as unknown as AnyConnector;

describe.each(RUNTIME_MODES)('a check run of an API process whose clock is behind the database ($name)', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  beforeAll(async () => {
    test = await startTestHub({ label: 'check_clock_skew', ...options, connectors: [...connectors, testkit, slowcheck], workers: false, env: { HUB_RUN_LEASE_SECONDS: String(LEASE_SECONDS) } });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('is not cancelled by a reconcile pass while it is running and healthy', async () => {
    const created = await createTestkitIntegration(test, tenant, `skew-${Math.random()}`, { connector: 'slowcheck' });
    const integration = await test.hub.db.selectFrom('integration_configs').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    // The API process's clock is 5 s behind (more than the lease), as in the runs' clock-skew test.
    const api: HubContext = { ...test.hub, clock: () => new Date(Date.now() - 5_000) };
    const checking = checkIntegration(api, integration, 'tester');
    await waitFor('the check to be running', async () =>
      test.hub.db.selectFrom('integration_runs').select('id').where('integration_id', '=', integration.id).where('kind', '=', 'check').where('status', '=', 'running').executeTakeFirst(),
    );
    // A worker's reconcile pass while the check is in flight (every 15 s in production).
    await reconcile(test.hub);
    answerCheck();
    const answer = await checking;
    const row = await test.hub.db.selectFrom('integration_runs').select(['status', 'error_message']).where('id', '=', answer.runId).executeTakeFirstOrThrow();
    expect(answer.ok).toBe(true);
    expect(row).toEqual({ status: 'succeeded', error_message: null });
  });
});
