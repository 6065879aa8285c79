import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';
import { POLL_QUEUE } from '../scheduler/schedule.service.ts';

// Schedules and timestamps are checked with the rest of the request: a bad one is a 400 on its
// field before anything is written, never a 500 from the queue or PostgreSQL after the row is saved.

let test: TestHub;
let tenant: TestTenant;

beforeAll(async () => {
  test = await startTestHub({ label: 'integration-validation', connectors: [...connectors, testkit] });
  tenant = await test.createTenant('acme');
});
afterAll(async () => {
  await test?.close();
});

const kitBody = (name: string, extra: Record<string, unknown> = {}) => ({
  connector: 'testkit',
  name,
  config: { dataset: name },
  credentials: { auth: { type: 'bearer', token: 'kit-token-123456' } },
  ...extra,
});

async function expectFieldError(response: Response, path: string, message: string) {
  const text = await response.text();
  expect(response.status, text).toBe(400);
  const { error } = JSON.parse(text);
  expect(error.code).toBe('validation_failed');
  expect(error.fields).toEqual([{ path, message: expect.stringContaining(message) }]);
}

const rowsNamed = (name: string) => test.hub.db.selectFrom('integration_configs').selectAll().where('name', '=', name).execute();

describe('cron schedules', () => {
  it.each([
    [{ cron: '*/15 * * * *', tz: 'Mars/Olympus' }, 'body.schedules.items.tz', 'IANA time zone'],
    [{ cron: '*/15 * * * *', tz: '' }, 'body.schedules.items.tz', 'IANA time zone'],
    [{ cron: 'every five minutes' }, 'body.schedules.items.cron', '5 or 6 fields'],
    [{ cron: '0 0 0 1 1 * 2030' }, 'body.schedules.items.cron', '5 or 6 fields'],
    [{ cron: '0 0 15W * *' }, 'body.schedules.items.cron', 'nearest-weekday'],
    [{ cron: '0 0 31 2 *' }, 'body.schedules.items.cron', 'never fires'],
    [{ cron: '@reboot' }, 'body.schedules.items.cron', 'nicknames'],
    // croner reads it; BullMQ's parser allows at most 256 values a field.
    [{ cron: '0-59/1 *,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,*,* * * *' }, 'body.schedules.items.cron', 'production queue (BullMQ) cannot read'],
  ])('refuses %j on create with 400 and no row, so a retry can succeed', async (schedule, path, message) => {
    const name = `cron-${Math.random().toString(36).slice(2)}`;
    await expectFieldError(await test.request('post', '/api/integrations', { token: tenant.tokens.admin, body: kitBody(name, { schedules: { items: schedule } }) }), path, message);
    expect(await rowsNamed(name)).toEqual([]);
    const retry = await test.request('post', '/api/integrations', { token: tenant.tokens.admin, body: kitBody(name, { schedules: { items: { enabled: false } } }) });
    expect(retry.status).toBe(201);
  });

  it('refuses a bad time zone on PATCH and changes nothing, neither row nor schedule', async () => {
    const kit = await createTestkitIntegration(test, tenant, 'patch-tz', { schedules: { items: { cron: '0 * * * *', tz: 'Europe/Berlin' } } });
    const response = await test.request('patch', `/api/integrations/${kit.id}`, {
      token: tenant.tokens.admin,
      body: { name: 'renamed', schedules: { items: { cron: '0 * * * *', tz: 'Nowhere/Land' } } },
    });
    await expectFieldError(response, 'body.schedules.items.tz', 'IANA time zone');
    const stored = await (await test.request('get', `/api/integrations/${kit.id}`, { token: tenant.tokens.viewer })).json();
    expect([stored.name, stored.schedules]).toEqual([kit.name, { items: { cron: '0 * * * *', tz: 'Europe/Berlin' } }]);
    expect((await test.hub.queue.listSchedules(POLL_QUEUE)).filter((schedule) => schedule.id.includes(kit.id)).map((schedule) => schedule.cron)).toEqual(['0 * * * *']);
  });

  it('stores and schedules a nickname as the fields it stands for', async () => {
    const kit = await createTestkitIntegration(test, tenant, 'nickname', { schedules: { items: { cron: '@daily', tz: 'Europe/Berlin' } } });
    const stored = await (await test.request('get', `/api/integrations/${kit.id}`, { token: tenant.tokens.viewer })).json();
    expect(stored.schedules).toEqual({ items: { cron: '0 0 * * *', tz: 'Europe/Berlin' } });
    expect((await test.hub.queue.listSchedules(POLL_QUEUE)).filter((schedule) => schedule.id.includes(kit.id)).map((schedule) => schedule.cron)).toEqual(['0 0 * * *']);
  });

  it('accepts a valid cron expression with a time zone', async () => {
    const response = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: kitBody('cron-ok', { schedules: { items: { cron: '30 7 * * MON-FRI', tz: 'America/New_York' } } }),
    });
    expect(response.status).toBe(201);
  });
});

describe('year-0000 timestamps', () => {
  it('refuses credentialsExpiresAt in year 0000 on create', async () => {
    await expectFieldError(
      await test.request('post', '/api/integrations', { token: tenant.tokens.admin, body: kitBody('year-zero', { credentialsExpiresAt: '0000-01-01T00:00:00Z' }) }),
      'body.credentialsExpiresAt',
      'years 0001 to 9999',
    );
    expect(await rowsNamed('year-zero')).toEqual([]);
  });

  it('refuses it on PATCH and on rotation, before the connection check runs', async () => {
    const kit = await createTestkitIntegration(test, tenant, 'year-zero-patch', { credentialsExpiresAt: '2030-01-01T00:00:00Z' });
    await expectFieldError(
      await test.request('patch', `/api/integrations/${kit.id}`, { token: tenant.tokens.admin, body: { credentialsExpiresAt: '0000-06-01T00:00:00Z' } }),
      'body.credentialsExpiresAt',
      'years 0001 to 9999',
    );
    await expectFieldError(
      await test.request('post', `/api/integrations/${kit.id}/credentials/rotate`, {
        token: tenant.tokens.admin,
        body: { credentials: { auth: { type: 'bearer', token: 'new-token-abcdefghijklmnop' } }, expiresAt: '0000-06-01T00:00:00Z' },
      }),
      'body.expiresAt',
      'years 0001 to 9999',
    );
    const stored = await (await test.request('get', `/api/integrations/${kit.id}`, { token: tenant.tokens.viewer })).json();
    expect(stored.credentials.expiresAt).toBe('2030-01-01T00:00:00.000Z');
    const checks = await test.hub.db.selectFrom('integration_runs').select('id').where('integration_id', '=', kit.id).where('kind', '=', 'check').execute();
    expect(checks).toEqual([]);
    const audit = await (await test.request('get', `/api/integrations/${kit.id}/credentials/audit`, { token: tenant.tokens.admin })).json();
    expect(audit.entries.map((entry: { action: string }) => entry.action)).toEqual(['set']);
  });
});

describe('names the request chooses', () => {
  it.each(['constructor', 'toString', 'hasOwnProperty'])('refuses a schedule for %s, which is no stream of the connector', async (stream) => {
    const name = `proto-${Math.random().toString(36).slice(2)}`;
    await expectFieldError(await test.request('post', '/api/integrations', { token: tenant.tokens.admin, body: kitBody(name, { schedules: { [stream]: { everySeconds: 60 } } }) }), `body.schedules.${stream}`, 'has no stream');
    expect(await rowsNamed(name)).toEqual([]);
  });

  it('refuses a connector name too long to be one without echoing it back', async () => {
    const response = await test.request('post', '/api/integrations', { token: tenant.tokens.admin, body: kitBody('long', { connector: 'x'.repeat(200_000) }) });
    expect(response.status).toBe(400);
    expect((await response.text()).length).toBeLessThan(2_000);
  });
});
