import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminDb } from './db/admin-db.ts';
import { disableUserAccount } from '../core/users/user.service.ts';
import { startAdminHttpFixture, type AdminHttpFixture } from '../test-support/browser/admin-http-fixture.ts';
import { createTestUser } from '../test-support/browser/admin-server.ts';
import { CookieClient } from '../test-support/browser/cookie-client.ts';

// The admin UI through the real Hono app, in process: sessions, cookies, CSRF, tenancy and
// escaping at the HTTP level, and the JSON API left as it was. The browser test covers the same
// flows as a person sees them; this one and admin.config.http.integration.test.ts cover the edges
// a browser does not easily reach.

let fx: AdminHttpFixture;
let test: AdminHttpFixture['test'];
let acme: AdminHttpFixture['acme'];
let other: AdminHttpFixture['other'];
let admin: AdminHttpFixture['admin'];
let operator: AdminHttpFixture['operator'];
let acmeIntegration = '';
let otherIntegration = '';
const signIn: AdminHttpFixture['signIn'] = (...args) => fx.signIn(...args);

beforeAll(async () => {
  fx = await startAdminHttpFixture('admin_http');
  ({ test, acme, other, admin, operator, acmeIntegration, otherIntegration } = fx);
});
afterAll(async () => {
  await fx?.close();
});

describe('admin UI over HTTP: sessions and tenancy', () => {
  it('sends anonymous visitors to sign in, remembering the page', async () => {
    const client = new CookieClient(test.app);
    const response = await client.get('/admin/runs?status=failed');
    expect(response.status).toBe(303);
    expect(response.location).toBe('/admin/login?next=%2Fadmin%2Fruns%3Fstatus%3Dfailed');
    expect((await client.get('/admin')).location).toMatch(/^\/admin\/login/);
  });

  it('sends paths with a trailing slash to the same page without it', async () => {
    const client = new CookieClient(test.app);
    const root = await client.get('/admin/');
    expect(root.status).toBe(308);
    expect(root.location).toBe('/admin');
    expect((await client.get('/admin/tasks/?state=open')).location).toBe('/admin/tasks?state=open');
    // Redirected as sent, still encoded: decoded, a CR/LF cannot go in the Location header (a 500).
    const encoded = await client.get('/admin/runs%0d%0aX:%201/');
    expect([encoded.status, encoded.location]).toEqual([308, '/admin/runs%0d%0aX:%201']);
    // An encoded slash at the end is part of a name, not a trailing slash: no redirect (and no loop).
    expect((await client.get('/admin/tasks%2F')).status).not.toBe(308);
  });

  it('lets a sign-in form left open in a second tab go on to the page, not answer 403', async () => {
    const browser = new CookieClient(test.app);
    await browser.get('/admin/login?workspace=acme');
    // Both tabs show the sign-in cookie's token, which signing in in the first tab replaces.
    const tabToken = browser.csrfToken() ?? null;
    const first = await browser.post('/admin/login', { email: admin.email, password: admin.password, workspace: 'acme' }, { csrf: tabToken });
    expect(first.status).toBe(303);
    const second = await browser.post('/admin/login', { email: admin.email, password: admin.password, workspace: 'acme', next: '/admin/tasks' }, { csrf: tabToken });
    expect([second.status, second.location]).toEqual([303, '/admin/tasks']);
    // Elsewhere a live session's forms still need its own token.
    expect((await browser.post('/admin/logout', {}, { csrf: tabToken })).status).toBe(403);
  });

  it('serves pages with a strict content security policy and the stylesheet with long caching', async () => {
    const client = new CookieClient(test.app);
    const login = await client.get('/admin/login');
    expect(login.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(login.headers.get('content-security-policy')).toContain("form-action 'self'");
    expect(login.headers.get('cache-control')).toBe('no-store');
    expect(login.body).not.toContain('<script');
    const href = /href="(\/admin\/assets\/app\.css\?v=[0-9a-f]+)"/.exec(login.body)?.[1] ?? '';
    const css = await client.get(href);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
    expect(css.headers.get('cache-control')).toContain('immutable');
  });

  it('sets httpOnly SameSite cookies, Secure with the __Host- prefix only over https', async () => {
    const client = new CookieClient(test.app);
    const login = await client.get('/admin/login?workspace=acme');
    expect(login.headers.getSetCookie().join()).toMatch(/^hub_login_csrf=[\w-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
    const signedIn = await client.post('/admin/login', { email: admin.email, password: admin.password, workspace: 'acme' });
    const cookie = signedIn.headers.getSetCookie().find((line) => line.startsWith('hub_session=')) ?? '';
    expect(cookie).toMatch(/^hub_session=[\w-]{43}; Max-Age=43[12]\d\d; Path=\/; HttpOnly; SameSite=Lax$/);
    // Only a hash of the cookie value is stored.
    const token = client.cookies.get('hub_session') ?? '';
    const rows = await adminDb(test.hub.db).selectFrom('admin_sessions').select('id_hash').execute();
    expect(rows.some((row) => row.id_hash === token)).toBe(false);

    const https = new CookieClient(test.app, { headers: { 'x-forwarded-proto': 'https' } });
    const form = await https.get('/admin/login?workspace=acme');
    expect(form.headers.getSetCookie().join()).toMatch(/^__Host-hub_login_csrf=[\w-]{43}; .*Secure/);
    const secure = await https.post('/admin/login', { email: admin.email, password: admin.password, workspace: 'acme' });
    expect(secure.headers.getSetCookie().find((line) => line.startsWith('__Host-hub_session='))).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    expect((await https.get('/admin/health')).status).toBe(200);

  });

  it('signs in with any capitalisation of the email, and never redirects off-site after it', async () => {
    for (const next of ['https://evil.example/x', '//evil.example', '/\\evil.example', '/api/tokens']) {
      const client = new CookieClient(test.app);
      await client.get('/admin/login?workspace=acme');
      const response = await client.post('/admin/login', { email: admin.email.toUpperCase(), password: admin.password, workspace: 'acme', next });
      expect(response.location, next).toBe('/admin/health');
    }
    const client = new CookieClient(test.app);
    await client.get('/admin/login');
    const response = await client.post('/admin/login', { email: admin.email, password: admin.password, workspace: 'acme', next: '/admin/tasks?status=open' });
    expect(response.location).toBe('/admin/tasks?status=open');
  });

  it('refuses a sign-in POST without the sign-in cookie (login CSRF)', async () => {
    const client = new CookieClient(test.app);
    const response = await client.post('/admin/login', { email: admin.email, password: admin.password, workspace: 'acme' }, { csrf: 'made-up' });
    expect(response.status).toBe(403);
    expect(response.body).toContain('This form could not be accepted');
    expect(client.cookies.has('hub_session')).toBe(false);
  });

  it('answers the same for unknown workspaces, unknown emails and wrong passwords', async () => {
    const answers = [];
    for (const [workspace, email, password] of [
      ['nowhere', admin.email, admin.password],
      ['acme', 'nobody@example.com', 'whatever-password'],
      ['acme', admin.email, 'wrong-password!'],
      ['other', admin.email, admin.password],
    ] as const) {
      const client = new CookieClient(test.app);
      await client.get('/admin/login');
      const response = await client.post('/admin/login', { email, password, workspace });
      answers.push([response.status, /<p>(The email or password is incorrect[^<]*)<\/p>/.exec(response.body)?.[1]]);
    }
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    expect(answers[0]?.[0]).toBe(401);
  });

  it('ends the session on sign-out, after two idle hours, and when the user is disabled', async () => {
    const client = await signIn(operator);
    expect((await client.get('/admin/health')).status).toBe(200);
    await client.post('/admin/logout');
    expect((await client.get('/admin/health')).status).toBe(303);

    const idle = await signIn(operator);
    await adminDb(test.hub.db).updateTable('admin_sessions').set({ last_seen_at: new Date(Date.now() - 3 * 3_600_000) }).execute();
    expect((await idle.get('/admin/health')).status).toBe(303);

    const user = await createTestUser(test.hub.db, acme.id, 'viewer');
    const disabled = await signIn(user);
    expect((await disabled.get('/admin/health')).status).toBe(200);
    await disableUserAccount(test.hub.db, acme.id, user.email, new Date());
    expect((await disabled.get('/admin/health')).status).toBe(303);
    const again = new CookieClient(test.app);
    await again.get('/admin/login');
    expect((await again.post('/admin/login', { email: user.email, password: user.password, workspace: 'acme' })).status).toBe(401);
  });

  it('sends a form posted after the session ended to sign-in with a notice, not to a CSRF 403', async () => {
    const client = await signIn(operator);
    await client.get(`/admin/integrations/${acmeIntegration}`);
    await adminDb(test.hub.db).updateTable('admin_sessions').set({ last_seen_at: new Date(Date.now() - 3 * 3_600_000) }).execute();
    const pause = await client.post(`/admin/integrations/${acmeIntegration}/pause`);
    expect(pause.status).toBe(303);
    expect(pause.location).toBe('/admin/login?notice=session_expired');
    expect((await client.get(pause.location!)).body).toContain('Your session has ended. Sign in again to continue.');
    // Nothing was done for the late form.
    const row = await test.hub.db.selectFrom('integration_configs').select('paused_at').where('id', '=', acmeIntegration).executeTakeFirstOrThrow();
    expect(row.paused_at).toBeNull();
  });

  it('signs out after the session ended: the cookie goes, no 403', async () => {
    const client = await signIn(operator);
    await client.get('/admin/health');
    await adminDb(test.hub.db).updateTable('admin_sessions').set({ last_seen_at: new Date(Date.now() - 3 * 3_600_000) }).execute();
    const response = await client.post('/admin/logout');
    expect(response.status).toBe(303);
    expect(response.location).toBe('/admin/login?notice=signed_out');
    expect(response.headers.getSetCookie().join()).toMatch(/^hub_session=; Max-Age=0/);
  });

  it('still refuses a live session\'s form without its token', async () => {
    const client = await signIn(operator);
    await client.get('/admin/health');
    const response = await client.post(`/admin/integrations/${acmeIntegration}/pause`, {}, { csrf: 'made-up' });
    expect(response.status).toBe(403);
    expect(response.body).toContain('This form could not be accepted');
  });

  it("answers 404 for another tenant's integration, run, task and event", async () => {
    const client = await signIn(admin);
    const run = await test.hub.db
      .insertInto('integration_runs')
      .values({ tenant_id: other.id, integration_id: otherIntegration, kind: 'poll', stream: 'incident', trigger: 'manual', idempotency_key: 'foreign-run', status: 'failed' })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const path of [`/admin/integrations/${otherIntegration}`, `/admin/integrations/${otherIntegration}/credentials`, `/admin/runs/${run.id}`, '/admin/integrations/not-a-uuid']) {
      const response = await client.get(path);
      expect(response.status, path).toBe(404);
      expect(response.body).toContain('Page not found');
    }
    const paused = await client.post(`/admin/integrations/${otherIntegration}/pause`);
    expect(paused.status).toBe(404);
    const runs = await client.get('/admin/runs');
    expect(runs.body).not.toContain(run.id);
  });

  it('escapes names from the database and never shows a stored secret', async () => {
    const client = await signIn(admin);
    const page = await client.get(`/admin/integrations/${acmeIntegration}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('SN &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.body).not.toContain('<script>alert(1)');
    expect(page.body).not.toContain('super-secret-password');
    // Only that a secret is stored (core/integrations/integration-credentials.ts decides how much of it the hint shows).
    expect(page.body).toContain('••••');
  });

  it('leaves the JSON API, its errors and its 404s as they were', async () => {
    const missing = await test.request('get', '/api/nope');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'not_found', message: 'no route for GET /api/nope' } });
    expect((await test.request('get', '/api/integrations')).status).toBe(401);
    const listed = await test.request('get', '/api/integrations', { token: acme.tokens.viewer });
    expect(listed.status).toBe(200);
    const client = new CookieClient(test.app);
    const page = await client.get('/admin/definitely-missing');
    expect(page.status).toBe(303);
  });
});

describe('admin UI over HTTP: paging runs and events', () => {
  // More rows of one instant than a page holds (50), as a webhook group commit writes them: the
  // Older link starts right after the last row shown, so every row is on exactly one page.
  const instant = '2030-01-01T00:00:00.123456Z';

  async function walk(client: Awaited<ReturnType<typeof signIn>>, first: string, rowLink: RegExp): Promise<string[]> {
    const seen: string[] = [];
    let next: string | undefined = first;
    for (let pages = 0; next && pages < 5; pages++) {
      const response = await client.get(next);
      expect(response.status).toBe(200);
      seen.push(...new Set([...response.body.matchAll(rowLink)].map((match) => match[1]!)));
      next = /<a class="button" href="([^"]+)">Older/.exec(response.body)?.[1]?.replaceAll('&amp;', '&');
    }
    return seen;
  }

  it('shows every event of one instant once, across pages', async () => {
    await sql`insert into integration_events (tenant_id, integration_id, source, type, payload, payload_hash, dedupe_key, status, received_at)
      select ${acme.id}, ${acmeIntegration}, 'webhook', 'paged.' || n, '{}'::jsonb, 'h', 'paged-' || n, 'processed', ${instant}::timestamptz
      from generate_series(1, 51) as n`.execute(test.hub.db);
    try {
      const expected = await test.hub.db.selectFrom('integration_events').select('id').where('type', 'like', 'paged.%').orderBy('id', 'desc').execute();
      const seen = await walk(await signIn(admin), '/admin/events?type=paged.*', /href="\/admin\/events\/([0-9a-f-]{36})"/g);
      expect(seen).toEqual(expected.map((row) => row.id));
    } finally {
      await test.hub.db.deleteFrom('integration_events').where('type', 'like', 'paged.%').execute();
    }
  });

  it('keeps the run when the events of one run are filtered further', async () => {
    const runId = '4a1c2f7e-0000-4000-8000-000000000001';
    const client = await signIn(operator);
    const page = await client.get(`/admin/events?runId=${runId}`);
    expect(page.body).toContain('Showing the events of one run');
    const form = /<form method="get" action="\/admin\/events" class="filters"[\s\S]*?<\/form>/.exec(page.body)?.[0] ?? '';
    expect(form).toContain(`<input type="hidden" name="runId" value="${runId}">`);
    expect((await client.get('/admin/events')).body).not.toContain('name="runId"');
  });

  it('shows every run of one instant once, across pages', async () => {
    await sql`insert into integration_runs (tenant_id, integration_id, kind, stream, trigger, idempotency_key, status, queued_at)
      select ${acme.id}, ${acmeIntegration}, 'poll', 'paged', 'manual', 'paged-' || n, 'succeeded', ${instant}::timestamptz
      from generate_series(1, 51) as n`.execute(test.hub.db);
    try {
      const expected = await test.hub.db.selectFrom('integration_runs').select('id').where('stream', '=', 'paged').orderBy('id', 'desc').execute();
      const seen = await walk(await signIn(admin), '/admin/runs?stream=paged', /href="\/admin\/runs\/([0-9a-f-]{36})"/g);
      expect(seen).toEqual(expected.map((row) => row.id));
    } finally {
      await test.hub.db.deleteFrom('integration_runs').where('stream', '=', 'paged').execute();
    }
  });
});
