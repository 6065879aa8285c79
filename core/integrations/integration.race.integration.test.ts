import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { waitFor } from '../../test-support/wait-for.ts';

// An integration deleted between a request's read and its write: the request answers 404, as it
// would had the delete come first, and not a 500, and writes nothing. A second session deletes the
// row and holds its lock, so the request reads the row, then waits at its write (an UPDATE, or the
// foreign-key check of an INSERT that refers to it) until the delete commits.

let test: TestHub;
let tenant: TestTenant;
let deleter: pg.Client;
let observer: pg.Client;

beforeAll(async () => {
  test = await startTestHub({ label: 'integration-race', database: 'postgres', connectors: [...connectors, testkit] });
  tenant = await test.createTenant('acme');
  deleter = new pg.Client({ connectionString: test.hub.config.DATABASE_URL });
  observer = new pg.Client({ connectionString: test.hub.config.DATABASE_URL });
  await Promise.all([deleter.connect(), observer.connect()]);
});
afterAll(async () => {
  await deleter?.end();
  await observer?.end();
  await test?.close();
});

async function requestWaitingForLock(): Promise<boolean> {
  const { rows } = await observer.query<{ n: number }>(
    `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
  );
  return rows[0]!.n > 0;
}

it.each([
  ['PATCH', (id: string) => test.request('patch', `/api/integrations/${id}`, { token: tenant.tokens.admin, body: { name: 'renamed' } })],
  ['pause', (id: string) => test.request('post', `/api/integrations/${id}/pause`, { token: tenant.tokens.operator })],
  ['sync', (id: string) => test.request('post', `/api/integrations/${id}/sync`, { token: tenant.tokens.operator, body: {} })],
  ['check', (id: string) => test.request('post', `/api/integrations/${id}/check`, { token: tenant.tokens.operator })],
  [
    'credential rotation',
    (id: string) => test.request('post', `/api/integrations/${id}/credentials/rotate`, { token: tenant.tokens.admin, body: { credentials: { auth: { type: 'bearer', token: 'rotated-token-123' } } } }),
  ],
])('%s of an integration deleted meanwhile answers 404 and writes nothing', async (_name, change) => {
  const integration = await createTestkitIntegration(test, tenant, `race-${Math.random()}`);
  await deleter.query('begin');
  await deleter.query('delete from integration_configs where id = $1', [integration.id]);
  const answer = change(integration.id);
  try {
    await waitFor('the request to wait for the delete', requestWaitingForLock);
    await deleter.query('commit');
  } finally {
    await deleter.query('rollback').catch(() => undefined);
  }
  const response = await answer;
  expect(response.status, await response.clone().text()).toBe(404);
  expect((await response.json()).error.code).toBe('not_found');
  // The credential audit outlives the integration: only the creation's `set` entry is left of it.
  const { rows } = await observer.query<{ n: number }>(
    `select (select count(*) from integration_runs where integration_id = $1) + (select count(*) from integration_credentials_audit where integration_id = $1 and action <> 'set')::int as n`,
    [integration.id],
  );
  expect(Number(rows[0]!.n)).toBe(0);
});
