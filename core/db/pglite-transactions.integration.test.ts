import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgetFingerprintKeys } from '../vault/fingerprint.ts';
import { ACCEPTED_PASSWORD, startRotationWorld, type RotationWorld } from '../vault/rotation-world.testing.ts';
import { openOrUpdateTask, resolveIntegrationTasks } from '../tasks/task.service.ts';
import { settleTasksAfterSuccess } from '../tasks/task-recovery.ts';
import { processEvents } from '../events/event.processor.ts';
import { disableUserAccount, createUser } from '../users/user.service.ts';
import { bootstrapDefaultTenant } from '../server/bootstrap.ts';
import { integrationTokenStore } from '../integrations/oauth-token.store.ts';
import { admitAttempt } from '../../admin-ui/auth/lockout.ts';
import { updateTenantSettings } from '../tenancy/tenant-settings.ts';

// Embedded PGlite has one connection, which a transaction holds: a query through hub.db made inside
// hub.db.transaction() waits for it forever, and the whole hub with it. Every transaction site of
// core/ and admin-ui/ is driven here on a cold process (no fingerprint key cached), each raced
// against a 10 s timeout, with /api/health after; a hang shows as 'no answer'.

const NO_ANSWER = 'no answer' as const;
function answered<T>(work: Promise<T>, ms = 10_000): Promise<T | typeof NO_ANSWER> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([work, new Promise<typeof NO_ANSWER>((resolve) => (timer = setTimeout(() => resolve(NO_ANSWER), ms)))]).finally(() => clearTimeout(timer));
}

let world: RotationWorld;

beforeAll(async () => {
  world = await startRotationWorld('pglite_transactions', { database: 'pglite', queue: 'memory' });
});
afterAll(async () => {
  await world?.close();
});

async function healthy(): Promise<void> {
  const health = await answered(world.test.request('get', '/api/health', {}));
  expect(health === NO_ANSWER ? health : health.status).toBe(200);
}

async function status(work: Promise<{ status: number }>): Promise<number | typeof NO_ANSWER> {
  const result = await answered(work);
  return result === NO_ANSWER ? result : result.status;
}

describe('transaction sites on embedded PGlite answer (cold caches)', () => {
  it('integration create / PATCH with credentials / pause / resume / sync / delete', async () => {
    const { test, tenant } = world;
    forgetFingerprintKeys();
    const integration = await world.createIntegration('audit-a');
    forgetFingerprintKeys();
    // updateIntegration -> writeWithSchedules transaction (refuseUnapprovedReplacement, supersede, syncSchedules)
    expect(await status(test.request('patch', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin, body: { credentials: world.basic('other-password-3333'), name: 'audit-a2' } }))).toBe(200);
    await healthy();
    expect(await status(test.request('post', `/api/integrations/${integration.id}/pause`, { token: tenant.tokens.admin }))).toBe(200);
    expect(await status(test.request('post', `/api/integrations/${integration.id}/resume`, { token: tenant.tokens.admin }))).toBe(200);
    expect(await status(test.request('post', `/api/integrations/${integration.id}/sync`, { token: tenant.tokens.operator, body: {} }))).toBe(202);
    await healthy();
    expect(await status(test.request('delete', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin }))).toBe(204);
    await healthy();
  });

  it('tenant settings change, PATCH refused under approval, direct rotation applied on a cold process', async () => {
    const { test, tenant } = world;
    const integration = await world.createIntegration('audit-b');
    expect(await status(test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: true } }))).toBe(200);
    expect(await status(test.request('patch', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin, body: { credentials: world.basic('x-password-4444') } }))).toBe(409);
    const off = await answered(test.request('patch', '/api/tenant/settings', { token: tenant.tokens.admin, body: { requireRotationApproval: false } }));
    expect(off === NO_ANSWER ? off : off.status).toBe(202);
    const { change } = await (off as Awaited<ReturnType<typeof test.request>>).json();
    expect(await status(test.request('post', `/api/tenant/settings/changes/${change.id}/approve`, { token: world.secondAdmin }))).toBe(200);
    forgetFingerprintKeys();
    const rotated = await status(world.rotate(integration.id, ACCEPTED_PASSWORD));
    expect(rotated).toBe(200);
    await healthy();
  });

  it('pending rotation, approval on a cold process, and a superseding PATCH', async () => {
    const { test, tenant, secondAdmin } = world;
    const integration = await world.createIntegration('audit-c');
    await updateTenantSettings(test.hub, tenant.id, { requireRotationApproval: true });
    forgetFingerprintKeys();
    const pending = await answered(world.rotate(integration.id, ACCEPTED_PASSWORD));
    expect(pending === NO_ANSWER ? pending : pending.status).toBe(202);
    await updateTenantSettings(test.hub, tenant.id, { requireRotationApproval: false });
    forgetFingerprintKeys();
    // PATCH with credentials supersedes the pending rotation inside writeWithSchedules' transaction.
    expect(await status(test.request('patch', `/api/integrations/${integration.id}`, { token: tenant.tokens.admin, body: { credentials: world.basic('y-password-5555') } }))).toBe(200);
    await healthy();
    await updateTenantSettings(test.hub, tenant.id, { requireRotationApproval: true });
    const second = await answered(world.rotate(integration.id, ACCEPTED_PASSWORD));
    expect(second === NO_ANSWER ? second : second.status).toBe(202);
    const { rotation } = await (second as Awaited<ReturnType<RotationWorld['rotate']>>).json();
    forgetFingerprintKeys();
    expect(await status(test.request('post', `/api/integrations/${integration.id}/credentials/rotations/${rotation.id}/approve`, { token: secondAdmin }))).toBe(200);
    await updateTenantSettings(test.hub, tenant.id, { requireRotationApproval: false });
    await healthy();
  });

  it('tasks: open, ack, resolve, settle after success, resolve for credentials', async () => {
    const { test, tenant } = world;
    const integration = await world.createIntegration('audit-d');
    const opened = await answered(openOrUpdateTask(test.hub, { tenantId: tenant.id, integrationId: integration.id, integrationName: 'audit-d', code: 'auth_invalid', message: 'no', operation: 'check' }));
    expect(opened).not.toBe(NO_ANSWER);
    const task = (opened as Awaited<ReturnType<typeof openOrUpdateTask>>).task;
    expect(await status(test.request('post', `/api/tasks/${task.id}/ack`, { token: tenant.tokens.operator, body: {} }))).toBe(200);
    expect(await status(test.request('post', `/api/tasks/${task.id}/resolve`, { token: tenant.tokens.operator, body: {} }))).toBe(200);
    await openOrUpdateTask(test.hub, { tenantId: tenant.id, integrationId: integration.id, integrationName: 'audit-d', code: 'upstream_unavailable', message: 'no', operation: 'poll:incident' });
    expect(await answered(settleTasksAfterSuccess(test.hub, { integrationId: integration.id, operation: 'poll:incident', credentialsProven: false, why: 'ok' }))).not.toBe(NO_ANSWER);
    expect(await answered(resolveIntegrationTasks(test.hub, integration.id, { actor: 'system', why: 'x' }))).not.toBe(NO_ANSWER);
    await healthy();
  });

  it('events: routing in a transaction, replay', async () => {
    const { test, tenant } = world;
    const source = await world.createIntegration('audit-e');
    // Another integration: a route never acts on its own target's events.
    const target = await world.createIntegration('audit-e-target');
    await test.hub.db
      .insertInto('routes')
      .values({ tenant_id: tenant.id, name: 'r', filter: JSON.stringify({}), source_integration_id: null, target_integration_id: target.id, action: 'add_work_note', input_template: JSON.stringify({ note: 'x' }), updated_at: new Date() })
      .execute();
    const event = await test.hub.db
      .insertInto('integration_events')
      .values({ tenant_id: tenant.id, integration_id: source.id, source: 'webhook', type: 'incident.updated', external_id: 'abc', payload: JSON.stringify({ a: 1 }), payload_hash: 'h', dedupe_key: 'k1', status: 'pending' })
      .returningAll()
      .executeTakeFirstOrThrow();
    expect(await answered(processEvents(test.hub, [event.id]))).not.toBe(NO_ANSWER);
    const routed = await test.hub.db.selectFrom('integration_runs').select('id').where('event_id', '=', event.id).execute();
    expect(routed).toHaveLength(1);
    await test.hub.db.updateTable('integration_runs').set({ status: 'failed' }).where('event_id', '=', event.id).execute();
    expect(await status(test.request('post', `/api/events/${event.id}/replay`, { token: tenant.tokens.operator }))).toBe(202);
    await healthy();
  });

  it('users, first start, OAuth token store and sign-in lock (cluster-lock helper)', async () => {
    const { test, tenant } = world;
    await createUser(test.hub.db, { tenantId: tenant.id, email: 'u@example.com', name: 'U', role: 'operator', password: 'a-long-password-123' });
    expect(await answered(disableUserAccount(test.hub.db, tenant.id, 'u@example.com', new Date()))).not.toBe(NO_ANSWER);
    expect(await answered(bootstrapDefaultTenant(test.hub.db, 'default'))).not.toBe(NO_ANSWER);
    const integration = await world.createIntegration('audit-f');
    const store = integrationTokenStore(test.hub, tenant.id, integration.id);
    const refreshed = answered(
      store.exclusive!(async () => {
        await store.load();
        await store.save({ accessToken: 'a', expiresAt: new Date(Date.now() + 60_000) });
        return 'done';
      }),
    );
    expect(await refreshed).toBe('done');
    expect(await answered(admitAttempt(test.hub, { tenantId: tenant.id, email: 'u@example.com', ip: undefined, at: new Date() }))).not.toBe(NO_ANSWER);
    await healthy();
  });
});
