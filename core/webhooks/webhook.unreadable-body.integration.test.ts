import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { basicCredentials, createServiceNowIntegration } from '../../test-support/servicenow-integration.ts';
import { signedServiceNowPush } from '../../test-support/servicenow-push.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { signTestkit, testkit, TESTKIT_DELIVERY_HEADER, TESTKIT_SIGNATURE_HEADER } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';

// A correctly signed delivery the connector cannot read comes from a sender set up wrongly (an
// outdated Business Rule): the 400 must say what is wrong with it, or its admin has nothing to go on.

const WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const KIT_SECRET = 'hook-secret-123';

describe.each(RUNTIME_MODES)('a signed webhook body the connector cannot read ($name)', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let servicenowId = '';
  let kitId = '';

  beforeAll(async () => {
    test = await startTestHub({ label: 'webhook_unreadable_body', ...options, connectors: [...connectors, testkit] });
    tenant = await test.createTenant('acme');
    // No poll runs (schedules off), so the instance is never called.
    const created = await createServiceNowIntegration(test, tenant, { name: 'SN push', instanceUrl: 'http://127.0.0.1:9', credentials: basicCredentials('svc-grc', 'correct-horse-battery', WEBHOOK_SECRET) });
    servicenowId = created.id;
    kitId = (await createTestkitIntegration(test, tenant, `unreadable-${options.database}`)).id;
  });
  afterAll(async () => {
    await test?.close();
  });

  const storedEvents = (integrationId: string) => test.hub.db.selectFrom('integration_events').select('id').where('integration_id', '=', integrationId).execute();

  it('answers 400 invalid_payload naming what the body lacks, and stores nothing', async () => {
    const push = signedServiceNowPush(WEBHOOK_SECRET, { table: 'incident', action: 'modify' as 'update', record: { sys_id: 'a'.repeat(32) } });
    const response = await test.request('post', `/hooks/${servicenowId}`, { headers: push.headers, body: push.body });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('invalid_payload');
    expect(error.message).toContain('the ServiceNow webhook body could not be read');
    expect(error.message).toContain('{table, action, record}');
    expect(error.message).toContain('action');
    expect(await storedEvents(servicenowId)).toEqual([]);
  });

  it('does not quote the body back when the connector fails on it without a reason of its own', async () => {
    // The testkit's parse is a bare JSON.parse, whose error quotes the start of the body.
    const body = '{"type":"finding.created","id":"quoted-back"';
    const response = await test.request('post', `/hooks/${kitId}`, {
      headers: { [TESTKIT_SIGNATURE_HEADER]: signTestkit(KIT_SECRET, body), [TESTKIT_DELIVERY_HEADER]: 'd-cut' },
      body,
    });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error).toMatchObject({ code: 'invalid_payload', message: 'the Test kit webhook body could not be read' });
    expect(await storedEvents(kitId)).toEqual([]);
  });
});
