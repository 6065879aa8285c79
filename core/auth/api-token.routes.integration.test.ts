import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';

let test: TestHub;
let tenant: TestTenant;

beforeAll(async () => {
  test = await startTestHub({ label: 'api-token-routes' });
  tenant = await test.createTenant('acme');
});
afterAll(async () => {
  await test?.close();
});

const tokenCount = async () => Number((await test.hub.db.selectFrom('api_tokens').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

describe('POST /api/tokens expiry', () => {
  it.each([
    ['in the past', '2000-01-01T00:00:00Z', 'must be in the future'],
    ['now-ish (a second ago)', new Date(Date.now() - 1000).toISOString(), 'must be in the future'],
    ['in year 0000', '0000-01-01T00:00:00Z', 'years 0001 to 9999'],
  ])('refuses an expiry %s with 400 and creates nothing', async (_label, expiresAt, message) => {
    const before = await tokenCount();
    const response = await test.request('post', '/api/tokens', { token: tenant.tokens.admin, body: { name: 'old', role: 'viewer', expiresAt } });
    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error.code).toBe('validation_failed');
    expect(error.fields).toEqual([{ path: 'body.expiresAt', message: expect.stringContaining(message) }]);
    expect(await tokenCount()).toBe(before);
  });

  it('accepts an expiry in the future', async () => {
    const expiresAt = '2099-01-01T00:00:00.000Z';
    const response = await test.request('post', '/api/tokens', { token: tenant.tokens.admin, body: { name: 'later', role: 'viewer', expiresAt } });
    expect(response.status).toBe(201);
    expect((await response.json()).expiresAt).toBe(expiresAt);
  });
});
