import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICENOW_SCHEDULES_OFF } from '../../test-support/schedules-off.ts';
import { signedServiceNowPush } from '../../test-support/servicenow-push.ts';
import { startTestHub, type TestHub } from '../../test-support/test-hub.ts';
import { ACCEPTED_PASSWORD, startRotationWorld, type RotationWorld } from '../vault/rotation-world.testing.ts';

// The webhook ingest keeps each integration's secrets for a couple of seconds. A secret change
// still applies to the next delivery: the process that saved it drops its copy, and another
// process reads the integration again before it refuses a delivery, or takes one only by the
// secret the change replaced.

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
// Older than this, an ingest's copy is read again before a refusal (webhook.ingest.ts).
const RECHECK_AFTER_MS = 250;

describe('webhook secret changes apply to the next delivery', () => {
  let world: RotationWorld;
  let other: TestHub;
  beforeAll(async () => {
    world = await startRotationWorld('webhook_secret_change');
    other = await startTestHub({ label: 'webhook_secret_change_other', queue: 'memory', shareDatabaseOf: world.test });
  });
  afterAll(async () => {
    await other?.close();
    await world?.close();
  });

  const admin = () => world.tenant.tokens.admin;
  const push = (via: TestHub, id: string, secret: string) =>
    via.request('post', `/hooks/${id}`, signedServiceNowPush(secret, { table: 'incident', action: 'update', record: { sys_id: randomBytes(16).toString('hex'), sys_mod_count: '1' } }));

  async function integrationWith(name: string, secret: string): Promise<string> {
    const response = await world.test.request('post', '/api/integrations', {
      token: admin(),
      body: { connector: 'servicenow', name, config: { instanceUrl: world.fake.url }, credentials: { ...world.basic(ACCEPTED_PASSWORD), webhookSecret: secret }, schedules: SERVICENOW_SCHEDULES_OFF },
    });
    expect(response.status).toBe(201);
    return (await response.json()).id;
  }

  const rotateTo = (id: string, secret: string) =>
    world.test.request('post', `/api/integrations/${id}/credentials/rotate`, { token: admin(), body: { credentials: { ...world.basic(ACCEPTED_PASSWORD), webhookSecret: secret } } });

  it('takes the new secret right after the rotation answered, in every process', async () => {
    const [oldSecret, rotatedTo] = [newSecret(), newSecret()];
    const id = await integrationWith('new-secret-at-once', oldSecret);
    // Both processes hold the old secret.
    expect((await push(world.test, id, oldSecret)).status).toBe(202);
    expect((await push(other, id, oldSecret)).status).toBe(202);
    await sleep(RECHECK_AFTER_MS + 50);
    expect((await rotateTo(id, rotatedTo)).status).toBe(200);
    for (const via of [world.test, other]) {
      const answer = await push(via, id, rotatedTo);
      expect(answer.status, await answer.text()).toBe(202);
    }
  });

  it('refuses the replaced secret right after "stop accepting it now" answered, in every process', async () => {
    const [oldSecret, rotatedTo] = [newSecret(), newSecret()];
    const id = await integrationWith('revoke-at-once', oldSecret);
    expect((await rotateTo(id, rotatedTo)).status).toBe(200);
    // The sender still signs with the old secret, taken within the grace period by both processes.
    expect((await push(world.test, id, oldSecret)).status).toBe(202);
    expect((await push(other, id, oldSecret)).status).toBe(202);
    await sleep(RECHECK_AFTER_MS + 50);

    expect((await world.test.request('delete', `/api/integrations/${id}/credentials/previous`, { token: admin() })).status).toBe(204);
    for (const via of [world.test, other]) {
      const answer = await push(via, id, oldSecret);
      expect(answer.status, `a delivery signed with the revoked secret: ${await answer.text()}`).toBe(401);
    }
  });
});
