import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';

// A resumed interval stream polls at once. Two resumes at once (a double-click, two operators, a
// client's retry) must poll once: each used to find the integration paused as read before its
// write, and each queued a poll of its own window.

describe.each(RUNTIME_MODES)('two resumes at once on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'resume-twice', ...options, connectors: [...connectors, testkit], workers: true });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  const scheduledRuns = (id: string) => test.hub.db.selectFrom('integration_runs').select(['status']).where('integration_id', '=', id).where('trigger', '=', 'schedule').execute();

  it('poll once', async () => {
    const integration = await createTestkitIntegration(test, tenant, `resume-${randomUUID()}`, { schedules: { items: { everySeconds: 86_400 } } });
    await waitFor('the first poll', async () => (await scheduledRuns(integration.id)).some((run) => run.status === 'succeeded'));
    expect((await test.request('post', `/api/integrations/${integration.id}/pause`, { token: tenant.tokens.operator })).status).toBe(200);

    const answers = await Promise.all([1, 2].map(() => test.request('post', `/api/integrations/${integration.id}/resume`, { token: tenant.tokens.operator })));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    await waitFor('the poll of the resume', async () => (await scheduledRuns(integration.id)).length >= 2);
    // A second poll would be queued by then; give its job time to make its run.
    await sleep(1_500);
    expect(await scheduledRuns(integration.id)).toHaveLength(2);
  });
});
