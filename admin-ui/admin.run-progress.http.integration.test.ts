import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser, type TestUser } from '../test-support/browser/admin-server.ts';
import { CookieClient } from '../test-support/browser/cookie-client.ts';
import { testkit, testkitUpstream } from '../test-support/testkit-connector.ts';
import { createTestkitIntegration, waitRun } from '../test-support/testkit-integration.ts';
import { streamFailures, testkitStreams, TESTKIT_STREAMS_SCHEDULES_OFF } from '../test-support/testkit-streams-connector.ts';
import { startTestHub, type TestHub, type TestTenant } from '../test-support/test-hub.ts';
import { waitFor } from '../test-support/wait-for.ts';

// "Run now" in the admin UI leads to the progress of what it started: the run's page, or for every
// stream a page of the sync's runs. Pages carry no scripts, so while a run is queued or running the
// page reloads itself every 2 seconds (a meta refresh), and stops once everything has finished.

const REFRESH = '<meta http-equiv="refresh" content="2">';
const DATASET = 'admin-progress';

let test: TestHub;
let acme: TestTenant;
let other: TestTenant;
let operator: TestUser;
let kitId = '';
let streamsId = '';

beforeAll(async () => {
  test = await startTestHub({ label: 'admin_progress', database: 'postgres', queue: 'memory', workers: true, connectors: [testkit, testkitStreams] });
  acme = await test.createTenant('acme');
  other = await test.createTenant('other');
  operator = await createTestUser(test.hub.db, acme.id, 'operator');
  kitId = (await createTestkitIntegration(test, acme, DATASET, { name: 'Kit' })).id;
  streamsId = (await createTestkitIntegration(test, acme, `${DATASET}-streams`, { connector: 'testkit_streams', name: 'Two streams', schedules: TESTKIT_STREAMS_SCHEDULES_OFF })).id;
});
afterAll(async () => {
  await test?.close();
});

async function signIn(user: TestUser, workspace = 'acme'): Promise<CookieClient> {
  const client = new CookieClient(test.app);
  await client.get(`/admin/login?workspace=${workspace}`);
  const response = await client.post('/admin/login', { email: user.email, password: user.password, workspace });
  expect(response.status, response.body).toBe(303);
  return client;
}

/** Presses "Run now" on the integration's page, as its form sends it. */
async function runNow(client: CookieClient, integrationId: string, fields: Record<string, string>) {
  expect((await client.get(`/admin/integrations/${integrationId}`)).status).toBe(200);
  const response = await client.post(`/admin/integrations/${integrationId}/sync`, { mode: 'incremental', ...fields });
  expect(response.status, response.body).toBe(303);
  return response.location ?? '';
}

async function runRow(id: string) {
  return test.hub.db.selectFrom('integration_runs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

const text = (body: string) => body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('admin UI: progress of a sync', () => {
  it("lands on the run's page, which follows the run every 2 seconds while it reads pages and stops once it finished", async () => {
    const upstream = testkitUpstream(DATASET);
    for (const id of ['a1', 'a2', 'a3', 'a4', 'a5']) upstream.records.set(id, { title: id });
    let release = () => {};
    upstream.gate = new Promise<void>((resolve) => (release = resolve));
    const client = await signIn(operator);

    const location = await runNow(client, kitId, { stream: 'items' });
    const runId = /^\/admin\/runs\/([0-9a-f-]{36})$/.exec(location)?.[1] ?? '';
    expect(runId, location).not.toBe('');
    // The connector holds the run after its first page (two records), committed and counted.
    await waitFor('the first page', async () => (await runRow(runId)).pages >= 1);

    const running = await client.get(location);
    expect(running.status).toBe(200);
    expect(running.body).toContain(REFRESH);
    expect(text(running.body)).toMatch(/Running for [\d.]+ (ms|s): 1 page and 2 records read so far\. This page refreshes every 2 seconds until it finishes\./);
    expect(text(running.body)).toContain('Elapsed');
    // Nothing to type into on a page that reloads itself.
    expect(running.body.slice(running.body.indexOf('<main'))).not.toContain('<form');
    expect(running.headers.get('content-security-policy')).toContain("default-src 'none'");

    // The sync's page follows the same run the same way.
    const syncPage = await client.get(`/admin/integrations/${kitId}/sync?run=${runId}`);
    expect(syncPage.status).toBe(200);
    expect(syncPage.body).toContain(REFRESH);
    expect(text(syncPage.body)).toContain('0 of 1 streams finished, 1 running, 0 queued: 1 page and 2 records read so far.');

    release();
    await waitRun(test, acme, runId);
    const finished = await client.get(location);
    expect(finished.body).not.toContain('http-equiv="refresh"');
    expect(text(finished.body)).not.toContain('refreshes every');
    expect(text(finished.body)).toMatch(/Status Succeeded Records seen 5 New 5 Changed 0 Pages 3 Duration/);
    delete upstream.gate;
  });

  it("lands on a page of the sync's runs when it syncs every stream, and says how each ended", async () => {
    streamFailures(`${DATASET}-streams`).set('beta', 'permission_denied');
    const client = await signIn(operator);

    const location = await runNow(client, streamsId, {});
    const ids = [...location.matchAll(/run=([0-9a-f-]{36})/g)].map((match) => match[1] ?? '');
    expect(location.startsWith(`/admin/integrations/${streamsId}/sync?`), location).toBe(true);
    expect(ids).toHaveLength(2);
    for (const id of ids) await waitRun(test, acme, id);

    const page = await client.get(location);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('http-equiv="refresh"');
    expect(text(page.body)).toContain('Finished: 1 of 2 streams synced, 1 did not (see their runs).');
    for (const id of ids) expect(page.body).toContain(`href="/admin/runs/${id}"`);
    expect(text(page.body)).toMatch(/alpha Succeeded/);
    expect(text(page.body)).toMatch(/beta Failed .* permission_denied/);
    streamFailures(`${DATASET}-streams`).delete('beta');
  });

  it("shows no other tenant's or other integration's runs on a sync page", async () => {
    const client = await signIn(operator);
    const location = await runNow(client, kitId, { stream: 'items' });
    const runId = location.split('/').at(-1) ?? '';
    await waitRun(test, acme, runId);
    // Another integration's page does not show the run: nothing left to show is a 404.
    expect((await client.get(`/admin/integrations/${streamsId}/sync?run=${runId}`)).status).toBe(404);
    expect((await client.get(`/admin/integrations/${kitId}/sync?run=not-a-uuid`)).status).toBe(404);
    const otherUser = await createTestUser(test.hub.db, other.id, 'operator');
    const stranger = await signIn(otherUser, 'other');
    expect((await stranger.get(`/admin/integrations/${kitId}/sync?run=${runId}`)).status).toBe(404);
  });
});
