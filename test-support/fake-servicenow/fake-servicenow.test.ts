import { afterEach, describe, expect, it } from 'vitest';
import { startFakeServiceNow, type FakeServiceNow } from './index.ts';

let fake: FakeServiceNow;
afterEach(async () => {
  await fake.close();
});

async function json(response: Response): Promise<any> {
  return response.json();
}

describe('fake ServiceNow server', () => {
  it('pages with sysparm_limit/offset, X-Total-Count and absolute Link URLs', async () => {
    fake = await startFakeServiceNow();
    fake.records.seed('incident', 5);
    const query = 'sysparm_query=ORDERBYsys_id&sysparm_limit=2&sysparm_offset=2&sysparm_fields=sys_id,number';
    const response = await fetch(`${fake.url}/api/now/table/incident?${query}`);
    expect(response.headers.get('x-total-count')).toBe('5');
    const link = response.headers.get('link') ?? '';
    expect(link).toContain(`<${fake.url}/api/now/table/incident?sysparm_query=ORDERBYsys_id&sysparm_limit=2&sysparm_offset=0&sysparm_fields=sys_id%2Cnumber>;rel="first"`);
    expect(link).toContain('sysparm_offset=0&sysparm_fields=sys_id%2Cnumber>;rel="prev"');
    expect(link).toContain('sysparm_offset=4&sysparm_fields=sys_id%2Cnumber>;rel="next"');
    expect(link).toContain('sysparm_offset=4&sysparm_fields=sys_id%2Cnumber>;rel="last"');
    const body = await json(response);
    expect(body.result).toHaveLength(2);
    expect(Object.keys(body.result[0]).sort()).toEqual(['number', 'sys_id']);
  });

  it('creates records with 32-hex sys_ids, numbers and system fields from its clock', async () => {
    const now = new Date('2024-05-01T10:00:00.700Z');
    fake = await startFakeServiceNow({ clock: () => now });
    const response = await fetch(`${fake.url}/api/now/table/incident`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"short_description":"x"}' });
    expect(response.status).toBe(201);
    const { result } = await json(response);
    expect(result).toMatchObject({ number: 'INC0010001', sys_created_on: '2024-05-01 10:00:00', sys_updated_on: '2024-05-01 10:00:00', sys_mod_count: '0' });
    expect(result.sys_id).toMatch(/^[0-9a-f]{32}$/);
    expect(response.headers.get('location')).toBe(`${fake.url}/api/now/table/incident/${result.sys_id}`);
  });

  it('updates with PATCH: bumps sys_mod_count and sys_updated_on, journals work notes', async () => {
    let now = new Date('2024-05-01T10:00:00Z');
    fake = await startFakeServiceNow({ clock: () => now });
    const record = fake.records.upsert('incident', { short_description: 'x' });
    now = new Date('2024-05-01T10:05:00Z');
    const response = await fetch(`${fake.url}/api/now/table/incident/${record['sys_id']}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"work_notes":"looked at it","state":"2"}' });
    const { result } = await json(response);
    expect(result).toMatchObject({ state: '2', sys_mod_count: '1', sys_updated_on: '2024-05-01 10:05:00' });
    expect(result.work_notes).toBeUndefined();
    expect(fake.records.journal('incident', record['sys_id'] ?? '')).toEqual([{ element: 'work_notes', value: 'looked at it', createdOn: '2024-05-01 10:05:00', createdBy: 'admin' }]);
  });

  it('answers 401 with ServiceNow\'s body when auth is configured and missing', async () => {
    fake = await startFakeServiceNow({ auth: { basic: { user: 'u', pass: 'p' } } });
    const denied = await fetch(`${fake.url}/api/now/table/incident`);
    expect(denied.status).toBe(401);
    expect(await json(denied)).toEqual({ error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' }, status: 'failure' });
    const allowed = await fetch(`${fake.url}/api/now/table/incident`, { headers: { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` } });
    expect(allowed.status).toBe(200);
  });

  it('issues OAuth tokens from form bodies only and rejects unknown refresh tokens with invalid_grant', async () => {
    fake = await startFakeServiceNow({ auth: { oauth: { clientId: 'cid', clientSecret: 'cs', users: { alice: 'pw' }, rotateRefreshTokens: true } } });
    const form = (fields: Record<string, string>) =>
      fetch(`${fake.url}/oauth_token.do`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
    const asJson = await fetch(`${fake.url}/oauth_token.do`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":"password"}' });
    expect(asJson.status).toBe(400);

    const issued = await json(await form({ grant_type: 'password', client_id: 'cid', client_secret: 'cs', username: 'alice', password: 'pw' }));
    expect(issued).toMatchObject({ token_type: 'Bearer', expires_in: 1800 });
    const refreshed = await json(await form({ grant_type: 'refresh_token', client_id: 'cid', client_secret: 'cs', refresh_token: issued.refresh_token }));
    expect(refreshed.refresh_token).not.toBe(issued.refresh_token);
    const reused = await form({ grant_type: 'refresh_token', client_id: 'cid', client_secret: 'cs', refresh_token: issued.refresh_token });
    expect(reused.status).toBe(400);
    expect(await json(reused)).toMatchObject({ error: 'invalid_grant' });

    const api = await fetch(`${fake.url}/api/now/table/incident`, { headers: { authorization: `Bearer ${refreshed.access_token}` } });
    expect(api.status).toBe(200);
    expect(fake.tokens.map((t) => t.user)).toEqual(['alice', 'alice']);
  });

  it('expires access tokens by its clock', async () => {
    let now = new Date('2024-05-01T10:00:00Z');
    fake = await startFakeServiceNow({ clock: () => now, auth: { oauth: { clientId: 'cid', clientSecret: 'cs', users: {}, accessTtlSeconds: 60, clientCredentialsEnabled: true } } });
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: 'cid', client_secret: 'cs' }).toString();
    const issued = await json(await fetch(`${fake.url}/oauth_token.do`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }));
    expect(issued.refresh_token).toBeUndefined();
    const call = () => fetch(`${fake.url}/api/now/table/incident`, { headers: { authorization: `Bearer ${issued.access_token}` } });
    expect((await call()).status).toBe(200);
    now = new Date('2024-05-01T10:01:00Z');
    expect((await call()).status).toBe(401);
  });

  it('refuses the client-credentials grant unless the test enabled it, as a fresh instance does', async () => {
    // Fact sheet: "off by default; the admin sets system property
    // glide.oauth.inbound.client.credential.grant_type.enabled=true".
    const request = () =>
      fetch(`${fake.url}/oauth_token.do`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'c', client_secret: 's' }),
      });
    fake = await startFakeServiceNow({ auth: { oauth: { clientId: 'c', clientSecret: 's', users: {} } } });
    const refused = await request();
    expect(refused.status).toBe(400);
    expect(await json(refused)).toMatchObject({ error: 'unsupported_grant_type' });

    fake.setAuth({ oauth: { clientId: 'c', clientSecret: 's', users: {}, clientCredentialsEnabled: true } });
    expect((await request()).status).toBe(200);
  });

  it('can carry out a request and lose the answer, as a reset or a timeout after the instance acted', async () => {
    fake = await startFakeServiceNow();
    const record = fake.records.upsert('incident');
    fake.loseAnswer(1, { method: 'PATCH', path: '/api/now/table/incident/' });
    const patch = () =>
      fetch(`${fake.url}/api/now/table/incident/${record['sys_id']}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"work_notes":"n"}' });
    expect((await fetch(`${fake.url}/api/now/table/incident`)).status).toBe(200);
    await expect(patch()).rejects.toThrow();
    expect(fake.records.journal('incident', record['sys_id'] ?? '')).toHaveLength(1);
    expect((await patch()).status).toBe(200);
    expect(fake.requests.map((r) => r.status)).toEqual([200, undefined, 200]);
  });

  it('with answerDelayMs, makes a record at once and answers that much later', async () => {
    fake = await startFakeServiceNow({ answerDelayMs: 500 });
    let answered = false;
    const creating = fetch(`${fake.url}/api/now/table/incident`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"short_description":"slow"}' }).finally(() => (answered = true));
    await expect.poll(() => fake.records.list('incident').length).toBe(1);
    expect(answered).toBe(false);
    expect((await creating).status).toBe(201);
  });

  it('plays scripted failures in order, then answers normally', async () => {
    fake = await startFakeServiceNow();
    fake.failNext(1, { status: 429, retryAfter: 3 });
    fake.failNext(1, { status: 500, body: 'boom' });
    const first = await fetch(`${fake.url}/api/now/table/incident`);
    expect([first.status, first.headers.get('retry-after')]).toEqual([429, '3']);
    const second = await fetch(`${fake.url}/api/now/table/incident`);
    expect([second.status, await second.text()]).toEqual([500, 'boom']);
    expect((await fetch(`${fake.url}/api/now/table/incident`)).status).toBe(200);
    expect(fake.requests.map((r) => r.status)).toEqual([429, 500, 200]);
  });

  it('hangs requests until close', async () => {
    fake = await startFakeServiceNow();
    fake.hang(1);
    const pending = fetch(`${fake.url}/api/now/table/incident`).then(
      () => 'answered',
      () => 'dropped',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.requests[0]?.status).toBeUndefined();
    await fake.close();
    expect(await pending).toBe('dropped');
    fake = await startFakeServiceNow();
  });

  it('stores raw attachment bytes and answers 201 with Location', async () => {
    fake = await startFakeServiceNow();
    const record = fake.records.upsert('incident');
    const url = `${fake.url}/api/now/attachment/file?table_name=incident&table_sys_id=${record['sys_id']}&file_name=a.pdf`;
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/pdf' }, body: Buffer.from('%PDF-1.7') });
    expect(response.status).toBe(201);
    const { result } = await json(response);
    expect(response.headers.get('location')).toBe(`${fake.url}/api/now/attachment/${result.sys_id}`);
    expect(fake.attachments[0]).toMatchObject({ fileName: 'a.pdf', contentType: 'application/pdf', tableSysId: record['sys_id'] });
    expect(fake.attachments[0]?.bytes.toString()).toBe('%PDF-1.7');
  });
});
