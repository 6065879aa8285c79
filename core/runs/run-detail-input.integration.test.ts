import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { answerOf, contractProblems } from '../../test-support/openapi-contract.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration } from '../../test-support/testkit-integration.ts';

// Runbooks (run_interrupted, delivery failures) send operators to what an action was asked to do:
// GET /api/runs/:id shows the action's input, without secret-looking fields and cut at 64 KB; the
// runs list still leaves it out (it may run to megabytes a run).

describe('an action run\'s input on GET /api/runs/:id', () => {
  let test: TestHub;
  let tenant: TestTenant;
  let integrationId = '';

  beforeAll(async () => {
    test = await startTestHub({ label: 'run_input', connectors: [...connectors, testkit] });
    tenant = await test.createTenant('acme');
    integrationId = (await createTestkitIntegration(test, tenant, 'run-input')).id;
  });
  afterAll(async () => {
    await test?.close();
  });

  async function runWith(key: string, kind: 'action' | 'poll', input: unknown): Promise<string> {
    const row = await sql<{ id: string }>`insert into integration_runs (tenant_id, integration_id, kind, stream, action, trigger, idempotency_key, status, input)
      values (${tenant.id}, ${integrationId}, ${kind}, ${kind === 'poll' ? 'items' : null}, ${kind === 'action' ? 'record' : null}, 'manual', ${key}, 'failed',
        ${input === null ? null : JSON.stringify(input)}::jsonb)
      returning id`.execute(test.hub.db);
    return row.rows[0]!.id;
  }

  async function shown(id: string): Promise<Record<string, unknown>> {
    const response = await test.request('get', `/api/runs/${id}`, { token: tenant.tokens.viewer });
    const answer = await answerOf(response);
    expect(answer.status).toBe(200);
    expect(contractProblems('get', '/api/runs/:id', answer)).toEqual([]);
    return answer.body as Record<string, unknown>;
  }

  it('shows the input whole, with secret-looking fields redacted at any depth', async () => {
    const id = await runWith('input:small', 'action', {
      channel: '#grc-alerts',
      text: 'INC0010001 opened',
      delivery: { url: 'https://example.test/hook', headers: { Authorization: 'Bearer s3cr3t-bearer', 'x-api-key': 'k3y-value' } },
      attachments: [{ title: 'evidence', password: 'hunter2-password' }],
    });
    const run = await shown(id);
    expect(run['inputTruncated']).toBe(false);
    expect(run['input']).toEqual({
      channel: '#grc-alerts',
      text: 'INC0010001 opened',
      delivery: { url: 'https://example.test/hook', headers: { Authorization: '[redacted]', 'x-api-key': '[redacted]' } },
      attachments: [{ title: 'evidence', password: '[redacted]' }],
    });
    expect(JSON.stringify(run)).not.toMatch(/s3cr3t|k3y-value|hunter2/);
  });

  it('cuts an input larger than 64 KB, on a character boundary, saying so', async () => {
    // Two-byte characters: a cut at a byte count must not split one.
    const id = await runWith('input:large', 'action', { auth: { token: 'xoxb-big-secret-token' }, text: 'é'.repeat(100_000) });
    const run = await shown(id);
    expect(run['inputTruncated']).toBe(true);
    const text = run['input'] as string;
    expect(typeof text).toBe('string');
    expect(text.startsWith('{"auth":{"token":"[redacted]"},"text":"éé')).toBe(true);
    expect(Buffer.byteLength(text, 'utf8')).toBeLessThanOrEqual(64 * 1024);
    expect(Buffer.byteLength(text, 'utf8')).toBeGreaterThan(64 * 1024 - 4);
    expect(text).not.toContain('\uFFFD');
    expect(text).not.toContain('xoxb-big-secret-token');
  });

  it('shows no input for a run that has none, and the list shows none for any run', async () => {
    const poll = await shown(await runWith('input:none', 'poll', null));
    expect(poll).toMatchObject({ input: null, inputTruncated: false });
    const list = await test.request('get', `/api/runs?integrationId=${integrationId}`, { token: tenant.tokens.viewer });
    const { runs } = await list.json();
    expect(runs.length).toBeGreaterThanOrEqual(3);
    for (const run of runs) expect(run).not.toHaveProperty('input');
  });
});
