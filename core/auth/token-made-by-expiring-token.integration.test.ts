import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';

// A token handed out for a while (a contractor, a CI job) may make tokens, but none that outlives it.

describe.each(RUNTIME_MODES)('a token made by a token that expires ($name)', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let maker: { id: string; token: string; expiresAt: string };

  beforeAll(async () => {
    test = await startTestHub({ label: 'token_expiry_cap', ...options });
    tenant = await test.createTenant('acme');
    const inAnHour = new Date(Date.now() + 60 * 60 * 1000).toISOString();
    const made = await test.request('post', '/api/tokens', { token: tenant.tokens.admin, body: { name: 'contractor', role: 'admin', expiresAt: inAnHour } });
    expect(made.status).toBe(201);
    maker = await made.json();
  });
  afterAll(async () => {
    await test?.close();
  });

  it('expires with its maker when no expiry is asked for', async () => {
    const made = await test.request('post', '/api/tokens', { token: maker.token, body: { name: 'no-expiry-asked', role: 'admin' } });
    expect(made.status).toBe(201);
    expect((await made.json()).expiresAt).toBe(maker.expiresAt);
  });

  it('may expire earlier, and is refused a later expiry with the field and the limit named', async () => {
    const earlier = new Date(Date.parse(maker.expiresAt) - 60_000).toISOString();
    const early = await test.request('post', '/api/tokens', { token: maker.token, body: { name: 'earlier', role: 'viewer', expiresAt: earlier } });
    expect(early.status).toBe(201);
    expect((await early.json()).expiresAt).toBe(earlier);

    const later = new Date(Date.parse(maker.expiresAt) + 60_000).toISOString();
    const refused = await test.request('post', '/api/tokens', { token: maker.token, body: { name: 'later', role: 'viewer', expiresAt: later } });
    expect(refused.status).toBe(400);
    const body = await refused.json();
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toContain(maker.expiresAt);
    expect(JSON.stringify(body)).toContain('body.expiresAt');
  });

  it('is not limited when made by a token that never expires', async () => {
    const made = await test.request('post', '/api/tokens', { token: tenant.tokens.admin, body: { name: 'lasting', role: 'viewer' } });
    expect(made.status).toBe(201);
    expect((await made.json()).expiresAt).toBeNull();
  });
});
