import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { BODY_LIMIT_BYTES } from './body-limit.ts';

let test: TestHub;
let tenant: TestTenant;

beforeAll(async () => {
  test = await startTestHub({ label: 'app' });
  tenant = await test.createTenant('acme');
});
afterAll(async () => {
  await test.close();
});

describe('HTTP app', () => {
  it('answers health with database and queue checks', async () => {
    const response = await test.request('get', '/api/health');
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.status).toBe('ok');
    expect(body.checks.database).toMatchObject({ status: 'up', kind: 'postgres' });
    expect(body.checks.queue).toMatchObject({ status: 'up', kind: 'in-process' });
  });

  it('puts a request id on every response and keeps a sane incoming one', async () => {
    const fresh = await test.request('get', '/api/health');
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await test.request('get', '/api/nothing-here', { headers: { 'x-request-id': 'trace-123' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-123');
    const replaced = await test.request('get', '/api/health', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(replaced.headers.get('x-request-id')).not.toBe('bad id with spaces');
  });

  it('sends secure headers', async () => {
    const response = await test.request('get', '/api/health');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('strict-transport-security')).toContain('max-age');
  });

  it('answers unknown routes with the error shape', async () => {
    const response = await test.request('get', '/api/nothing-here');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'no route for GET /api/nothing-here' } });
  });

  it('refuses bodies over 1 MB with 413 and counts them', async () => {
    const response = await test.request('post', '/api/tokens', {
      token: tenant.tokens.admin,
      body: JSON.stringify({ name: 'x'.repeat(BODY_LIMIT_BYTES), role: 'viewer' }),
    });
    expect(response.status).toBe(413);
    expect((await response.json()).error.code).toBe('payload_too_large');
    const metrics = await (await test.request('get', '/metrics')).text();
    expect(metrics).toMatch(/hub_http_rejected_total\{reason="body_too_large"\} 1/);
  });

  it('rejects malformed JSON and invalid fields with 400 and per-field errors', async () => {
    const malformed = await test.request('post', '/api/tokens', { token: tenant.tokens.admin, body: '{"name": ' });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.code).toBe('invalid_json');

    // Not UTF-8 (Latin-1 "Grüße"): refused, rather than stored with U+FFFD in place of what was sent.
    const latin1 = await test.request('post', '/api/tokens', { token: tenant.tokens.admin, body: new Uint8Array(Buffer.from('{"name":"Grüße","role":"viewer"}', 'latin1')) });
    expect(latin1.status).toBe(400);
    expect((await latin1.json()).error).toMatchObject({ code: 'invalid_json', message: expect.stringMatching(/not UTF-8/) });

    const invalid = await test.request('post', '/api/tokens', { token: tenant.tokens.admin, body: { name: '', role: 'root', extra: 1 } });
    expect(invalid.status).toBe(400);
    const { error } = await invalid.json();
    expect(error.code).toBe('validation_failed');
    expect(error.fields.map((f: { path: string }) => f.path)).toEqual(expect.arrayContaining(['body.name', 'body.role']));

    const badId = await test.request('get', '/api/integrations/not-a-uuid', { token: tenant.tokens.viewer });
    expect(badId.status).toBe(400);
    expect((await badId.json()).error.fields[0].path).toBe('params.id');
  });

  it('exposes Prometheus metrics with request durations by route pattern', async () => {
    await test.request('get', '/api/integrations', { token: tenant.tokens.viewer });
    const response = await test.request('get', '/metrics');
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('hub_http_request_duration_seconds_bucket');
    expect(text).toMatch(/route="\/api\/integrations",status="200"/);
    expect(text).toContain('hub_process_cpu_user_seconds_total');
  });

  it('publishes an OpenAPI document generated from the route schemas', async () => {
    const response = await test.request('get', '/api/openapi.json');
    expect(response.status).toBe(200);
    const document = await response.json();
    expect(document.openapi).toBe('3.1.0');
    const create = document.paths['/api/tokens'].post;
    expect(create['x-required-role']).toBe('admin');
    expect(create.requestBody.content['application/json'].schema.properties.role.enum).toEqual(['viewer', 'operator', 'admin']);
    expect(document.paths['/api/integrations/{id}'].get.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
    expect(document.paths['/api/health'].get.security).toEqual([]);
  });
});

describe('API tokens', () => {
  it('creates a token shown once, lets it authenticate, lists it without the value, and revokes it', async () => {
    const created = await test.request('post', '/api/tokens', { token: tenant.tokens.admin, body: { name: 'ci', role: 'viewer' } });
    expect(created.status).toBe(201);
    const token = await created.json();
    expect(token.token).toMatch(/^hub_[A-Za-z0-9_-]{43}$/);
    expect(token.prefix).toBe(token.token.slice(0, 10));

    expect((await test.request('get', '/api/integrations', { token: token.token })).status).toBe(200);

    const listed = await (await test.request('get', '/api/tokens', { token: tenant.tokens.admin })).json();
    const entry = listed.tokens.find((t: { id: string }) => t.id === token.id);
    expect(entry).toBeDefined();
    expect(entry.token).toBeUndefined();
    expect(entry.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(listed)).not.toContain(token.token);

    const stored = await test.hub.db.selectFrom('api_tokens').selectAll().where('id', '=', token.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(token.token.slice(10));

    expect((await test.request('delete', `/api/tokens/${token.id}`, { token: tenant.tokens.admin })).status).toBe(200);
    expect((await test.request('get', '/api/integrations', { token: token.token })).status).toBe(401);
    expect((await test.request('delete', `/api/tokens/${token.id}`, { token: tenant.tokens.admin })).status).toBe(404);
  });

  it('refuses an expired token', async () => {
    const created = await test.request('post', '/api/tokens', {
      token: tenant.tokens.admin,
      // Far enough ahead to be in the future when the request is handled on a busy machine.
      body: { name: 'short', role: 'viewer', expiresAt: new Date(Date.now() + 500).toISOString() },
    });
    const { token } = await created.json();
    await new Promise((resolve) => setTimeout(resolve, 550));
    expect((await test.request('get', '/api/integrations', { token })).status).toBe(401);
  });

  it('writes token use and admin changes to the audit log', async () => {
    const created = await (await test.request('post', '/api/tokens', { token: tenant.tokens.admin, body: { name: 'audited', role: 'operator' } })).json();
    await test.request('get', '/api/integrations', { token: created.token });
    await test.request('delete', `/api/tokens/${created.id}`, { token: tenant.tokens.admin });

    const { entries } = await (await test.request('get', '/api/audit?limit=100', { token: tenant.tokens.admin })).json();
    const about = entries.filter((e: { targetId: string }) => e.targetId === created.id).map((e: { action: string }) => e.action);
    expect(about).toEqual(expect.arrayContaining(['token.created', 'token.used', 'token.revoked']));
    const used = entries.find((e: { action: string; targetId: string }) => e.action === 'token.used' && e.targetId === created.id);
    expect(used.detail).toEqual({ method: 'GET', path: '/api/integrations' });
    expect(used.requestId).toBeTruthy();
  });
});
