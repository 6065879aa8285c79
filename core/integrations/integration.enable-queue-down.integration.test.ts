import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refuseRunEnqueues } from '../../test-support/refuse-run-enqueues.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';

// A Slack integration (no streams, so its PATCH never touches the queue's schedules) is switched
// off; a task alert aimed at it waits as a held run. Redis goes down. An admin switches it on
// again and gives it new credentials in the same PATCH: the change is committed, so it answers 200
// and is audited (integration.updated, and `replaced` in the credential audit), and the held run is
// left for the reconciler to dispatch. A resume does the same.

describe.each(RUNTIME_MODES)('enabling an integration with held runs while the queue is down, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  beforeAll(async () => {
    test = await startTestHub({ label: 'audit_enable_qdown', ...options, workers: false });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('audits a committed PATCH (integration.updated and the credential audit) even when held runs cannot be queued', async () => {
    const created = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: {
        connector: 'slack', name: 'Slack', enabled: false, config: { alertChannel: 'C0ALERTS', slackApiUrl: 'http://127.0.0.1:9/' },
        credentials: { botToken: 'xoxb-test-0000', signingSecret: 'slack-signing-secret-0123456789' },
      },
    });
    expect(created.status, JSON.stringify(await created.clone().json())).toBe(201);
    const slackId = (await created.json()).id;
    // An alert run aimed at it while it was off: held until it is enabled again.
    await test.hub.db
      .insertInto('integration_runs')
      .values({ tenant_id: tenant.id, integration_id: slackId, kind: 'action', action: 'post_message', trigger: 'route', mode: 'incremental', idempotency_key: `held-${slackId}`, status: 'queued', attempts: 0 } as never)
      .execute();

    const restore = refuseRunEnqueues(test.hub.queue);
    let status: number;
    try {
      const patched = await test.request('patch', `/api/integrations/${slackId}`, {
        token: tenant.tokens.admin,
        body: { enabled: true, credentials: { botToken: 'xoxb-test-1111', signingSecret: 'slack-signing-secret-9876543210' } },
      });
      status = patched.status;
    } finally {
      restore();
    }

    const row = await test.hub.db.selectFrom('integration_configs').select('enabled').where('id', '=', slackId).executeTakeFirstOrThrow();
    const audit = await test.hub.db.selectFrom('audit_log').select('action').where('target_id', '=', slackId).execute();
    const credentialAudit = await test.hub.db.selectFrom('integration_credentials_audit').select('action').where('integration_id', '=', slackId).execute();
    expect(row.enabled, 'the change committed').toBe(true);
    expect({
      status,
      audit: audit.map((entry) => entry.action).sort(),
      credentialAudit: credentialAudit.map((entry) => entry.action).sort(),
    }).toEqual({
      status: 200,
      audit: ['integration.created', 'integration.updated'],
      credentialAudit: ['replaced', 'set'],
    });
  });

  it('answers a resume whose held runs cannot be queued with 200, audited', async () => {
    const created = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: {
        connector: 'slack', name: 'Slack paused', config: { alertChannel: 'C0ALERTS', slackApiUrl: 'http://127.0.0.1:9/' },
        credentials: { botToken: 'xoxb-test-2222', signingSecret: 'slack-signing-secret-0123456789' },
      },
    });
    const slackId = (await created.json()).id;
    expect((await test.request('post', `/api/integrations/${slackId}/pause`, { token: tenant.tokens.operator })).status).toBe(200);
    await test.hub.db
      .insertInto('integration_runs')
      .values({ tenant_id: tenant.id, integration_id: slackId, kind: 'action', action: 'post_message', trigger: 'route', mode: 'incremental', idempotency_key: `held-${slackId}`, status: 'queued', attempts: 0 } as never)
      .execute();
    const restore = refuseRunEnqueues(test.hub.queue);
    try {
      expect((await test.request('post', `/api/integrations/${slackId}/resume`, { token: tenant.tokens.operator })).status).toBe(200);
    } finally {
      restore();
    }
    const audit = await test.hub.db.selectFrom('audit_log').select('action').where('target_id', '=', slackId).execute();
    expect(audit.map((entry) => entry.action)).toContain('integration.resumed');
  });
});
