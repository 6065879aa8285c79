import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { captureLog } from '../../test-support/captured-log.ts';

// Per-integration health is read from the database at scrape time. When that read fails, /metrics
// still answers with everything else: an outage is when the other series matter most.

let test: TestHub;
let tenant: TestTenant;
const log = captureLog();

beforeAll(async () => {
  test = await startTestHub({ label: 'health-metrics', database: 'postgres', connectors: [...connectors, testkit], logTo: log.stream });
  tenant = await test.createTenant('acme');
});
afterAll(async () => {
  await test?.close();
});

it('serves the other metrics when integration health cannot be read', async () => {
  const integration = await createTestkitIntegration(test, tenant, `metrics-${Math.random()}`);
  const before = await (await test.request('get', '/metrics')).text();
  expect(before).toContain(`hub_integration_status{integration_id="${integration.id}"`);

  // The health read fails as it would with the database away; nothing else needs the table meanwhile.
  await sql`alter table integration_configs rename to integration_configs_away`.execute(test.hub.db);
  try {
    const response = await test.request('get', '/metrics');
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('hub_process_cpu_user_seconds_total');
    expect(text).toContain('hub_http_request_duration_seconds_bucket');
    expect(text).not.toContain(`integration_id="${integration.id}"`);
  } finally {
    await sql`alter table integration_configs_away rename to integration_configs`.execute(test.hub.db);
  }
  expect(await (await test.request('get', '/metrics')).text()).toContain(`hub_integration_status{integration_id="${integration.id}"`);
});

it('says how many integrations a scrape left out past its limit, rather than dropping them silently', async () => {
  const before = await (await test.request('get', '/metrics')).text();
  expect(before).toContain('hub_integration_series_omitted 0');
  const other = await test.createTenant('bulk');
  await sql`insert into integration_configs (tenant_id, connector, name, environment, created_at)
    select ${other.id}, 'testkit', 'bulk-' || g, 'production', now() - interval '1 day' from generate_series(1, 2000) g`.execute(test.hub.db);
  const newest = await createTestkitIntegration(test, tenant, `metrics-newest-${Math.random()}`);
  const total = Number((await test.hub.db.selectFrom('integration_configs').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  const text = await (await test.request('get', '/metrics')).text();
  expect(text).toContain(`hub_integration_series_omitted ${total - 2000}`);
  expect(text).not.toContain(`integration_id="${newest.id}"`);

  // Said once when it starts, not at every scrape; and once when it ends.
  const said = (msg: string) => log.text().split('\n').filter((line) => line.includes(msg)).length;
  await (await test.request('get', '/metrics')).text();
  expect(said('integrations past the /metrics limit')).toBe(1);
  await test.hub.db.deleteFrom('integration_configs').where('tenant_id', '=', other.id).execute();
  expect(await (await test.request('get', '/metrics')).text()).toContain('hub_integration_series_omitted 0');
  await (await test.request('get', '/metrics')).text();
  expect(said('per-integration series in /metrics again')).toBe(1);
  expect(said('integrations past the /metrics limit')).toBe(1);
});
