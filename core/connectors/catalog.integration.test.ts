import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../../test-support/schedules-off.ts';
import { findLeaks, leakForms } from '../../test-support/secret-scan.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';

// The connector catalog as an admin picking a connector reads it over the API: what to enter
// (config JSON Schema), how to authenticate (auth kinds as data), what it polls and what it does.

/** Every key named `name` anywhere in a JSON value, with its path. */
function keysNamed(value: unknown, name: string, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => keysNamed(item, name, `${path}[${index}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => [...(key === name ? [`${path}.${key}`] : []), ...keysNamed(child, name, `${path}.${key}`)]);
}

describe.each(RUNTIME_MODES)('connector catalog on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'catalog', ...options });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  const catalog = async (token = tenant.tokens.viewer) => {
    const response = await test.request('get', '/api/connectors', { token });
    expect(response.status).toBe(200);
    return (await response.json()).connectors as Array<Record<string, any>>;
  };

  it('lists every registered connector, ServiceNow with its config schema, auth kinds, streams and actions', async () => {
    const entries = await catalog();
    expect(entries.map((entry) => entry.id)).toEqual(connectors.map((connector) => connector.id));

    const servicenow = entries.find((entry) => entry.id === 'servicenow');
    expect(servicenow).toMatchObject({ id: 'servicenow', displayName: 'ServiceNow', webhook: true });
    expect(servicenow?.description).toEqual(expect.any(String));
    // The config form: instanceUrl is the one field an admin must fill in.
    expect(servicenow?.configSchema).toMatchObject({ type: 'object', properties: { instanceUrl: { type: 'string' } }, required: ['instanceUrl'] });
    expect(servicenow?.configSchema.properties.pageSize).toMatchObject({ type: 'integer', default: 100, minimum: 1, maximum: 1000 });

    // Auth kinds are data the admin UI can draw a form from, not prose.
    expect(servicenow?.auth.map((kind: { type: string }) => kind.type)).toEqual(['basic', 'oauth2', 'webhook_signature']);
    const oauth2 = servicenow?.auth.find((kind: { type: string }) => kind.type === 'oauth2');
    expect([...oauth2.grantTypes].sort()).toEqual(['client_credentials', 'password', 'refresh_token']);
    expect(servicenow?.auth.find((kind: { type: string }) => kind.type === 'webhook_signature')).toMatchObject({ scheme: 'standard_webhooks' });
    // The credentials schema says which fields exist, and agrees with the auth kinds.
    const authVariants = servicenow?.credentialsSchema.properties.auth.oneOf as Array<{ properties: Record<string, any>; required: string[] }>;
    expect(authVariants.map((variant) => variant.properties.type.const)).toEqual(['basic', 'oauth2']);
    expect([...authVariants[1]!.properties.grant.enum].sort()).toEqual([...oauth2.grantTypes].sort());

    expect(servicenow?.streams.map((stream: { name: string }) => stream.name)).toEqual(['incident', 'change_request', 'sc_task']);
    for (const stream of servicenow?.streams ?? []) {
      expect(stream).toMatchObject({ description: expect.any(String), defaultIntervalSeconds: expect.any(Number) });
      expect(stream.defaultIntervalSeconds).toBeGreaterThan(0);
    }

    const actions = Object.fromEntries((servicenow?.actions ?? []).map((action: { name: string }) => [action.name, action]));
    expect(Object.keys(actions)).toEqual(['create_incident', 'add_work_note', 'change_state', 'attach_file']);
    for (const action of Object.values(actions)) {
      expect(action.description).toEqual(expect.any(String));
      expect(action.inputSchema).toMatchObject({ type: 'object', additionalProperties: false });
    }
    expect(actions.create_incident.inputSchema).toMatchObject({ required: ['short_description'], properties: { urgency: { enum: ['1', '2', '3'] } } });
    expect(actions.add_work_note.inputSchema.required).toEqual(['sys_id', 'note']);
    expect(actions.change_state.inputSchema.required).toEqual(['table', 'sys_id', 'state']);
    expect(actions.attach_file.inputSchema.required).toEqual(['table', 'sys_id', 'file_name', 'content_type', 'content_base64']);

    const slack = entries.find((entry) => entry.id === 'slack');
    expect(slack).toMatchObject({ id: 'slack', displayName: 'Slack', webhook: true, streams: [] });
    expect(slack?.auth.map((kind: { type: string }) => kind.type)).toEqual(['bearer', 'webhook_signature']);
    expect(slack?.credentialsSchema).toMatchObject({ required: ['botToken', 'signingSecret'] });
  });

  it('holds no secret values, even once integrations with credentials exist', async () => {
    const password = `sn-pass-${randomBytes(12).toString('hex')}`;
    const clientSecret = `sn-client-${randomBytes(12).toString('hex')}`;
    const webhookSecret = `whsec_${randomBytes(32).toString('base64')}`;
    const botToken = `xoxb-${randomBytes(12).toString('hex')}`;
    const signingSecret = `slack-signing-${randomBytes(12).toString('hex')}`;
    const create = async (body: Record<string, unknown>) => {
      const response = await test.request('post', '/api/integrations', { token: tenant.tokens.admin, body });
      expect(response.status, JSON.stringify(await response.clone().json())).toBe(201);
    };
    const servicenow = { connector: 'servicenow', config: { instanceUrl: 'http://127.0.0.1:9' }, schedules: SERVICENOW_SCHEDULES_OFF };
    await create({ ...servicenow, name: 'SN basic', credentials: { auth: { type: 'basic', username: 'svc-grc', password }, webhookSecret } });
    await create({
      ...servicenow,
      name: 'SN oauth',
      credentials: { auth: { type: 'oauth2', grant: 'client_credentials', clientId: 'grc-hub-client', clientSecret } },
    });
    await create({ connector: 'slack', name: 'Slack', config: { alertChannel: 'C0ALERTS', slackApiUrl: 'http://127.0.0.1:9/' }, credentials: { botToken, signingSecret } });

    const text = JSON.stringify(await catalog());
    expect(findLeaks('GET /api/connectors', text, leakForms([password, clientSecret, webhookSecret, botToken, signingSecret], [['svc-grc', password]]))).toEqual([]);
    // Credential fields are described, never pre-filled: no default or example value could be a secret.
    const credentialSchemas = (await catalog()).map((entry) => entry.credentialsSchema);
    expect([...keysNamed(credentialSchemas, 'default'), ...keysNamed(credentialSchemas, 'examples')]).toEqual([]);
  });

  it('is readable by every role, and answers 401 with the error shape without a valid token', async () => {
    const expected = await catalog(tenant.tokens.viewer);
    for (const role of ['operator', 'admin'] as const) expect(await catalog(tenant.tokens[role])).toEqual(expected);

    for (const token of [undefined, 'not-a-real-token-0123456789']) {
      const response = await test.request('get', '/api/connectors', token === undefined ? {} : { token });
      expect(response.status).toBe(401);
      const body = await response.json();
      expect(body).toEqual({ error: expect.objectContaining({ code: 'unauthorized', message: expect.any(String) }) });
      // Refused before anything of the catalog is read.
      expect(JSON.stringify(body)).not.toContain('servicenow');
    }
  });
});
