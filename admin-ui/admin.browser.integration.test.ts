import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollUpHealth } from '../core/health/health-rollup.ts';
import { createTestUser, startAdminTestServer, type AdminTestServer, type TestUser } from '../test-support/browser/admin-server.ts';
import { launchChromium } from '../test-support/browser/chromium.ts';
import { saveScreenshot } from '../test-support/browser/screenshots.ts';
import { clickAndWait, expectAttribute, expectCount, expectText, expectValue, expectVisible, pathOf } from '../test-support/browser/page-expect.ts';
import { navLink, submitForm } from '../test-support/browser/forms.ts';
import { csrfTokenOf, submitSignIn } from '../test-support/browser/sign-in.ts';
import { startFakeServiceNow, type FakeServiceNow } from '../test-support/fake-servicenow/index.ts';
import type { TestTenant } from '../test-support/test-hub.ts';
import { waitFor } from '../test-support/wait-for.ts';

// The admin UI in headless Chromium against a real hub (PostgreSQL, workers) and a fake ServiceNow
// instance that is a real HTTP server: what an admin and an operator do on a normal day, and what
// the UI refuses. Each step saves a screenshot under test-artifacts/screenshots/.

const UPSTREAM_USER = 'svc-grc';
const UPSTREAM_PASSWORD = 'correct-horse-battery';
const VIEWPORT = { width: 1366, height: 900 };

let server: AdminTestServer;
let fake: FakeServiceNow;
let browser: Browser;
let tenant: TestTenant;
let admin: TestUser;
let viewer: TestUser;
let integrationId = '';
let taskPath = '';

beforeAll(async () => {
  [server, fake, browser] = await Promise.all([
    startAdminTestServer({ label: 'admin_ui', database: 'postgres', queue: 'memory', workers: true }),
    startFakeServiceNow({ auth: { basic: { user: UPSTREAM_USER, pass: UPSTREAM_PASSWORD } } }),
    launchChromium(),
  ]);
  fake.records.seed('incident', 12, (i) => ({ short_description: `Incident ${i}`, priority: String((i % 4) + 1) }));
  tenant = await server.test.createTenant('acme');
  admin = await createTestUser(server.test.hub.db, tenant.id, 'admin', { email: 'ana.admin@example.com', name: 'Ana Admin' });
  viewer = await createTestUser(server.test.hub.db, tenant.id, 'viewer', { email: 'vic.viewer@example.com', name: 'Vic Viewer' });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await fake?.close();
});

async function newPage(options: { bypassCSP?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: VIEWPORT, ...options });
  return { context, page: await context.newPage() };
}

async function signedIn(user: TestUser, options: { bypassCSP?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const session = await newPage(options);
  await submitSignIn(session.page, server.baseUrl, user, tenant.slug);
  expect(pathOf(session.page)).toBe('/admin/health');
  return session;
}

/** Reloads until `probe` holds: the UI has no live updates, people press reload too. */
async function reloadUntil(page: Page, what: string, probe: () => Promise<boolean>): Promise<void> {
  await waitFor(
    what,
    async () => {
      await page.reload();
      return probe();
    },
    20_000,
  );
}

function healthRow(page: Page) {
  return page.locator(`tr[data-integration="${integrationId}"]`);
}

describe('admin UI in a real browser', () => {
  it('signs in, adds ServiceNow, syncs it healthy, follows a failure to its runbook, acknowledges the task and signs out', async () => {
    const { context, page } = await newPage();

    // Signed out, every page leads to the sign-in form.
    await page.goto(`${server.baseUrl}/admin`);
    expect(pathOf(page)).toBe('/admin/login');
    await saveScreenshot(page, '01-sign-in');
    await submitSignIn(page, server.baseUrl, admin, tenant.slug);
    expect(pathOf(page)).toBe('/admin/health');
    await expectText(page.getByRole('heading', { level: 1 }), 'Integration health');
    await expectVisible(page.getByText('No integrations match.'));
    await saveScreenshot(page, '02-health-empty');

    await clickAndWait(page, navLink(page, 'Catalog'));
    await expectVisible(page.getByRole('heading', { name: 'ServiceNow' }));
    await saveScreenshot(page, '03-catalog');
    await clickAndWait(page, page.getByRole('link', { name: 'Add integration for ServiceNow' }));
    await expectText(page.getByRole('heading', { level: 1 }), 'Add ServiceNow integration');

    // A first attempt with mistakes: errors are summarised and shown beside their fields.
    const instanceUrl = page.getByRole('textbox', { name: 'Instance URL' });
    await instanceUrl.fill('http://acme.service-now.com');
    await page.getByRole('spinbutton', { name: /Page size/ }).fill('5000');
    await clickAndWait(page, page.getByRole('button', { name: 'Create integration' }));
    await expectVisible(page.getByRole('alert').filter({ hasText: 'problems with the form' }));
    await expectText(page.locator('#f-config-instanceUrl-error'), 'must start with https://');
    await expectText(page.locator('#f-config-pageSize-error'), 'pageSize must be at most 1000');
    await expectText(page.locator('#f-name-error'), 'enter a name');
    await expectAttribute(instanceUrl, 'aria-invalid', 'true');
    await expectValue(instanceUrl, 'http://acme.service-now.com');
    await saveScreenshot(page, '04-integration-form-errors');

    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('ServiceNow staging');
    await page.getByRole('radio', { name: 'Staging' }).check();
    await instanceUrl.fill(fake.url);
    await page.getByRole('spinbutton', { name: /Page size/ }).fill('5');
    await page.getByRole('radio', { name: 'Basic (user name and password)' }).check();
    await page.locator('input[name="credentials.auth~basic.username"]').fill(UPSTREAM_USER);
    await page.locator('input[name="credentials.auth~basic.password"]').fill(UPSTREAM_PASSWORD);
    // Manual runs only, so the test decides when polls happen.
    for (const stream of ['incident', 'change_request', 'sc_task']) await page.getByLabel(`Schedule for ${stream}`).selectOption('off');
    await clickAndWait(page, page.getByRole('button', { name: 'Create integration' }));
    await expectText(page.getByRole('status'), 'Integration created');
    integrationId = /\/admin\/integrations\/([0-9a-f-]{36})/.exec(page.url())?.[1] ?? '';
    expect(integrationId).not.toBe('');
    // The secret is write-only: neither it nor the user name comes back into the page.
    expect(await page.content()).not.toContain(UPSTREAM_PASSWORD);
    await expectValue(page.locator('input[name="credentials.auth~basic.password"]'), '');

    await clickAndWait(page, page.getByRole('button', { name: 'Check connection' }));
    await expectText(page.getByRole('status'), `Connection OK: read incident`);
    await saveScreenshot(page, '05-integration-checked');

    await clickAndWait(page, navLink(page, 'Health'));
    await expectText(healthRow(page), 'No runs yet');

    // Run now: every stream, incremental.
    await page.goto(`${server.baseUrl}/admin/integrations/${integrationId}`);
    await clickAndWait(page, page.getByRole('button', { name: 'Run now' }));
    // The sync's page follows its runs by itself (a meta refresh, no script): the test does not reload it.
    expect(pathOf(page)).toBe(`/admin/integrations/${integrationId}/sync`);
    await expectText(page.getByRole('heading', { level: 1 }), 'Sync of ServiceNow staging');
    await waitFor('the sync page to refresh itself until every stream synced', async () => {
      const done = page.locator('.notice--success', { hasText: 'All 3 streams synced.' });
      return (await done.count().catch(() => 0)) > 0;
    }, 20_000);
    await expectText(page.getByRole('row', { name: /incident/ }), '12 new, 0 changed');
    expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(0);
    await saveScreenshot(page, '06-sync-finished');
    await page.goto(`${server.baseUrl}/admin/integrations/${integrationId}`);
    await expectCount(page.locator('.badge--ok', { hasText: 'Succeeded' }), 4);
    await expectText(page.getByRole('row', { name: /Poll · incident/ }), '12 new, 0 changed');
    await saveScreenshot(page, '06-integration-synced');

    await rollUpHealth(server.test.hub);
    await page.goto(`${server.baseUrl}/admin/health`);
    await expectText(healthRow(page), 'Healthy');
    await expectText(healthRow(page), '100%');
    await expectVisible(healthRow(page).getByRole('img', { name: /Last 24 hours: 3 runs, 0 failed/ }));
    await saveScreenshot(page, '07-health-healthy');

    // Upstream, someone changes the integration user's password.
    fake.setAuth({ basic: { user: UPSTREAM_USER, pass: 'changed-upstream-1' } });
    await page.goto(`${server.baseUrl}/admin/integrations/${integrationId}`);
    await page.getByLabel('Stream', { exact: true }).selectOption('incident');
    await clickAndWait(page, page.getByRole('button', { name: 'Run now' }));
    await page.goto(`${server.baseUrl}/admin/runs?integrationId=${integrationId}&status=failed`);
    await reloadUntil(page, 'a failed run', async () => (await page.locator('tbody tr').count()) > 0);
    await expectText(page.locator('tbody tr').first(), 'auth_invalid');
    await saveScreenshot(page, '08-runs-failed');

    await clickAndWait(page, page.locator('tbody tr').first().getByRole('link').first());
    await expectText(page.getByRole('heading', { level: 1 }), 'Poll of incident (incremental)');
    const panel = page.getByRole('region', { name: /Runbook: Credentials rejected/ });
    await expectVisible(panel);
    await expectVisible(panel.getByRole('heading', { name: 'How to fix' }));
    await expectText(panel, 'auth_invalid');
    await expectText(panel, 'TASK-1');
    await saveScreenshot(page, '09-run-failed-runbook');

    await clickAndWait(page, panel.getByRole('link', { name: 'TASK-1' }));
    taskPath = pathOf(page);
    await expectText(page.getByRole('heading', { level: 1 }), 'TASK-1');
    await expectText(page.getByRole('heading', { level: 1 }), 'Open');
    await page.getByLabel('Note').first().fill('Asked the ServiceNow admin for the new password.');
    await clickAndWait(page, page.getByRole('button', { name: 'Acknowledge', exact: true }));
    await expectText(page.getByRole('status'), 'Task acknowledged');
    await expectText(page.getByRole('heading', { level: 1 }), 'Acknowledged');
    const history = page.getByRole('region', { name: 'History' });
    await expectText(history, 'Acknowledged by user:ana.admin@example.com');
    await expectText(history, 'Asked the ServiceNow admin for the new password.');
    await saveScreenshot(page, '10-task-acknowledged');

    await clickAndWait(page, navLink(page, 'Tasks'));
    await expectText(page.getByRole('navigation', { name: 'Task status' }), 'Acknowledged 1');
    await clickAndWait(page, page.getByRole('link', { name: /^Acknowledged/ }));
    await expectText(page.locator('tbody tr').first(), 'TASK-1');
    await saveScreenshot(page, '10b-tasks-acknowledged');
    await page.goto(`${server.baseUrl}/admin/events?type=failure.*`);
    await expectText(page.locator('tbody tr').first(), 'failure.auth_invalid');
    await saveScreenshot(page, '10c-events-failures');
    await clickAndWait(page, navLink(page, 'Integrations'));
    await expectText(page.locator('tbody tr').first(), 'ServiceNow staging');
    await saveScreenshot(page, '10d-integrations');

    await clickAndWait(page, page.getByRole('button', { name: 'Sign out' }));
    expect(pathOf(page)).toBe('/admin/login');
    await expectText(page.getByRole('status'), 'You are signed out.');
    await saveScreenshot(page, '11-signed-out');
    await page.goto(`${server.baseUrl}/admin/health`);
    expect(pathOf(page)).toBe('/admin/login');

    // Every change went to the audit log as the user who made it.
    const audited = await server.test.hub.db
      .selectFrom('audit_log')
      .select(['action', 'actor_type', 'actor_id'])
      .where('tenant_id', '=', tenant.id)
      .where('actor_type', '=', 'user')
      .execute();
    expect(new Set(audited.map((row) => row.action))).toEqual(
      new Set(['user.signed_in', 'integration.created', 'integration.checked', 'integration.sync_requested', 'task.acknowledged', 'user.signed_out']),
    );
    await context.close();
  }, 120_000);

  it('rotates the credentials with the wizard: a wrong secret is refused by the check, the right one applied', async () => {
    const { context, page } = await signedIn(admin);
    await page.goto(`${server.baseUrl}/admin/integrations/${integrationId}/credentials`);
    await expectText(page.getByRole('heading', { level: 1 }), 'Credentials of ServiceNow staging');
    const wizard = page.getByRole('region', { name: 'Rotate credentials' });
    await wizard.locator('input[name="credentials.auth~basic.username"]').fill(UPSTREAM_USER);
    await wizard.locator('input[name="credentials.auth~basic.password"]').fill('a-wrong-guess');
    await wizard.getByLabel('Reason').fill('password changed upstream');
    await clickAndWait(page, wizard.getByRole('button', { name: 'Validate and rotate' }));
    await expectText(page.getByRole('alert'), 'The new credentials failed the connection check');
    await expectText(page.getByRole('alert'), 'auth_invalid');
    await expectValue(page.locator('input[name="credentials.auth~basic.password"]'), '');
    await saveScreenshot(page, '12-credentials-check-failed');

    await page.locator('input[name="credentials.auth~basic.username"]').fill(UPSTREAM_USER);
    await page.locator('input[name="credentials.auth~basic.password"]').fill('changed-upstream-1');
    await clickAndWait(page, page.getByRole('button', { name: 'Validate and rotate' }));
    await expectText(page.getByRole('status'), 'New credentials validated and applied');
    const audit = page.getByRole('region', { name: 'Credential history' });
    await expectText(audit.locator('tbody tr').first(), 'Rotated');
    await expectText(audit, 'Rotation refused: check failed');
    await expectText(audit, 'password changed upstream');
    expect(await page.content()).not.toContain('changed-upstream-1');
    await saveScreenshot(page, '13-credentials-rotated');

    // The next run succeeds and resolves the task.
    await page.goto(`${server.baseUrl}/admin/integrations/${integrationId}`);
    await page.getByLabel('Stream', { exact: true }).selectOption('incident');
    await clickAndWait(page, page.getByRole('button', { name: 'Run now' }));
    await page.goto(`${server.baseUrl}${taskPath}`);
    await reloadUntil(page, 'the task to resolve', async () => (await page.getByRole('heading', { level: 1 }).textContent())?.includes('Resolved') ?? false);
    await expectText(page.getByRole('region', { name: 'History' }), 'Resolved by system');
    await context.close();
  }, 60_000);

  it('lines up what sits side by side and keeps apart what follows each other', async () => {
    // Soft: each flaw of the layout is told apart, not only the first.
    const { context, page } = await signedIn(admin);
    const box = async (locator: Locator) => {
      const found = await locator.first().boundingBox();
      if (!found) throw new Error(`${locator} is not shown`);
      return found;
    };
    const gap = async (upper: Locator, lower: Locator) => (await box(lower)).y - ((await box(upper)).y + (await box(upper)).height);

    // A filter bar: the text box stands level with the selects beside it.
    await page.goto(`${server.baseUrl}/admin/events`);
    const [typed, chosen] = [await box(page.locator('#filter-type')), await box(page.locator('#filter-status'))];
    expect.soft({ top: typed.y, height: typed.height }).toEqual({ top: chosen.y, height: chosen.height });

    // Every choice of the sync's Mode is shown whole, not cut off by the narrow column.
    await page.goto(`${server.baseUrl}/admin/integrations/${integrationId}`);
    // Runs in the page (no DOM types here): measures each option's text in the select's font.
    const modes = await page.locator('#sync-mode').evaluate((select: any) => {
      const view = globalThis as any;
      const style = view.getComputedStyle(select);
      const ruler = view.document.createElement('canvas').getContext('2d');
      ruler.font = style.font;
      // Room for text: the box less its padding and the arrow Chromium draws inside it.
      const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 24;
      return [...select.options].map((option: any) => ({ text: String(option.text), fits: ruler.measureText(option.text).width <= room }));
    });
    expect.soft(modes).toEqual([{ text: 'Incremental', fits: true }, { text: 'Full', fits: true }]);

    // A check's Result stands apart from the timings above it.
    const check = await server.test.hub.db.selectFrom('integration_runs').select('id').where('integration_id', '=', integrationId).where('kind', '=', 'check').where('status', '=', 'succeeded').executeTakeFirstOrThrow();
    await page.goto(`${server.baseUrl}/admin/runs/${check.id}`);
    const timings = page.getByRole('region', { name: 'Timings' });
    expect.soft(await gap(timings.locator('dl'), timings.getByRole('heading', { name: 'Result' }))).toBeGreaterThanOrEqual(16);
    await saveScreenshot(page, '11b-check-run');

    // The Replay event button does not touch the Payload card under it.
    const event = await server.test.hub.db.selectFrom('integration_events').select('id').where('integration_id', '=', integrationId).where('source', '=', 'poll').executeTakeFirstOrThrow();
    await page.goto(`${server.baseUrl}/admin/events/${event.id}`);
    expect.soft(await gap(page.getByRole('button', { name: 'Replay event' }), page.getByRole('region', { name: 'Payload' }))).toBeGreaterThanOrEqual(16);
    await saveScreenshot(page, '11c-event');
    await context.close();
  }, 30_000);

  it('makes an API token that acts for the admin, shows it once, and revokes it', async () => {
    const { context, page } = await signedIn(admin);
    await clickAndWait(page, navLink(page, 'API tokens'));
    await expectText(page.getByRole('heading', { level: 1 }), 'API tokens');
    const form = page.getByRole('region', { name: 'New API token' });
    await clickAndWait(page, form.getByRole('button', { name: 'Create token' }));
    await expectText(page.getByRole('alert').first(), 'No token was created');
    await expectAttribute(page.getByLabel('Name'), 'aria-invalid', 'true');

    await page.getByLabel('Name').fill('evidence-export');
    await page.getByLabel('Role').selectOption('viewer');
    await clickAndWait(page, page.getByRole('button', { name: 'Create token' }));
    const created = page.getByRole('region', { name: 'Token evidence-export' });
    await expectText(created, 'it is not shown again');
    const token = (await created.locator('code').first().textContent()) ?? '';
    expect(token).toMatch(/^hub_/);
    expect((await server.test.request('get', '/api/integrations', { token })).status).toBe(200);
    const row = page.getByRole('row', { name: /evidence-export/ });
    await expectText(row, 'you');
    await saveScreenshot(page, '20-api-token-created');

    // A reload sends the form again: it makes no second token and shows none.
    await page.reload();
    await expectText(page.getByRole('alert').first(), 'No new token was made');
    expect(await page.content()).not.toContain(token);
    await expectCount(page.getByRole('row', { name: /evidence-export/ }), 1);
    await clickAndWait(page, page.getByRole('link', { name: 'Revoke evidence-export' }));
    await page.getByLabel('I understand that evidence-export stops working at once').check();
    await clickAndWait(page, page.getByRole('button', { name: 'Revoke token' }));
    await expectText(page.getByRole('status'), 'Token revoked');
    await expectText(page.getByRole('row', { name: /evidence-export/ }), 'Revoked');
    expect((await server.test.request('get', '/api/integrations', { token })).status).toBe(401);
    await context.close();
  }, 60_000);

  it('says when the password is wrong, and locks the email after five failures', async () => {
    const person = await createTestUser(server.test.hub.db, tenant.id, 'operator', { email: 'olga.operator@example.com' });
    const { context, page } = await newPage();
    await submitSignIn(page, server.baseUrl, { email: person.email, password: 'not the password' }, tenant.slug);
    expect(pathOf(page)).toBe('/admin/login');
    await expectText(page.getByRole('alert'), 'The email or password is incorrect.');
    await expectValue(page.getByLabel('Email'), person.email);
    await expectValue(page.getByLabel('Password', { exact: true }), '');
    await saveScreenshot(page, '14-sign-in-wrong-password');

    for (let attempt = 2; attempt <= 4; attempt++) {
      await submitSignIn(page, server.baseUrl, { email: person.email, password: `wrong ${attempt}` }, tenant.slug);
      await expectText(page.getByRole('alert'), 'The email or password is incorrect.');
    }
    await submitSignIn(page, server.baseUrl, { email: person.email, password: 'wrong 5' }, tenant.slug);
    await expectText(page.getByRole('alert'), `Too many failed sign-in attempts for ${person.email}`);
    await expectText(page.getByRole('alert'), /locked until .* UTC \(in 1[45] min\)/);
    // Locked means locked: the right password is refused too, without being checked.
    await submitSignIn(page, server.baseUrl, person, tenant.slug);
    expect(pathOf(page)).toBe('/admin/login');
    await expectText(page.getByRole('alert'), 'Too many failed sign-in attempts');
    await saveScreenshot(page, '15-sign-in-locked');
    // Other people are not affected.
    await submitSignIn(page, server.baseUrl, admin, tenant.slug);
    expect(pathOf(page)).toBe('/admin/health');
    await context.close();
  }, 60_000);

  it('refuses a POST without the CSRF token, or from another site, with a 403 page', async () => {
    const { context, page } = await signedIn(admin, { bypassCSP: true });
    const action = `${server.baseUrl}/admin/integrations/${integrationId}/pause`;

    const withoutToken = await context.request.post(action, { form: {}, headers: { origin: server.baseUrl }, maxRedirects: 0 });
    expect(withoutToken.status()).toBe(403);
    expect(await withoutToken.text()).toContain('This form could not be accepted');

    await page.goto(`${server.baseUrl}/admin/integrations/${integrationId}`);
    const token = await csrfTokenOf(page);
    const wrongToken = await context.request.post(action, { form: { _csrf: `${token.slice(0, -2)}xx` }, headers: { origin: server.baseUrl }, maxRedirects: 0 });
    expect(wrongToken.status()).toBe(403);
    const otherSite = await context.request.post(action, { form: { _csrf: token }, headers: { origin: 'https://evil.example' }, maxRedirects: 0 });
    expect(otherSite.status()).toBe(403);
    expect(await otherSite.text()).toContain('evil.example');

    // In the browser: a form without the token gets the explanation page.
    await submitForm(page, action, {});
    expect(await page.title()).toContain('This form could not be accepted');
    await expectVisible(page.getByText('the form is missing its security token'));
    await saveScreenshot(page, '16-csrf-refused');

    // Nothing was paused; with the token the same form works.
    const row = await server.test.hub.db.selectFrom('integration_configs').select('paused_at').where('id', '=', integrationId).executeTakeFirstOrThrow();
    expect(row.paused_at).toBeNull();
    const allowed = await context.request.post(action, { form: { _csrf: token }, headers: { origin: server.baseUrl }, maxRedirects: 0 });
    expect(allowed.status()).toBe(303);
    await context.request.post(`${server.baseUrl}/admin/integrations/${integrationId}/resume`, { form: { _csrf: token }, headers: { origin: server.baseUrl }, maxRedirects: 0 });
    await context.close();
  }, 60_000);

  it('shows a viewer no action buttons, and answers 403 when they act anyway', async () => {
    const { context, page } = await signedIn(viewer, { bypassCSP: true });
    await expectText(page.locator('.account'), /viewer/i);

    await page.goto(`${server.baseUrl}/admin/integrations/${integrationId}`);
    await expectText(page.getByRole('heading', { level: 1 }), 'ServiceNow staging');
    for (const name of ['Check connection', 'Pause', 'Resume', 'Run now', 'Save changes', 'Delete integration']) {
      await expectCount(page.getByRole('button', { name, exact: true }), 0);
    }
    await expectVisible(page.getByText('Only admins can change it.'));
    await page.goto(`${server.baseUrl}/admin/catalog`);
    await expectCount(page.getByRole('link', { name: /Add integration/ }), 0);
    await page.goto(`${server.baseUrl}${taskPath}`);
    await expectCount(page.getByRole('button', { name: /Acknowledge|Resolve/ }), 0);
    await saveScreenshot(page, '17-viewer-task');

    // A hand-made form with the viewer's own valid token still meets the role check.
    await submitForm(page, `${server.baseUrl}/admin/integrations/${integrationId}/check`, { _csrf: await csrfTokenOf(page) });
    expect(await page.title()).toContain('You do not have permission to do that');
    await expectVisible(page.getByText('Only users with the operator role can run checks and syncs'));
    await saveScreenshot(page, '18-viewer-forbidden');
    const checks = await server.test.hub.db.selectFrom('integration_runs').select('id').where('integration_id', '=', integrationId).where('requested_by', '=', `user:${viewer.email}`).execute();
    expect(checks).toEqual([]);
    await context.close();
  }, 60_000);

  it('fits a phone: wide tables scroll inside their frame, never the page sideways', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await submitSignIn(page, server.baseUrl, admin, tenant.slug);
    for (const path of ['/admin/health', '/admin/tokens', `/admin/integrations/${integrationId}`, '/admin/audit']) {
      await page.goto(`${server.baseUrl}${path}`);
      // Where the page lands when asked to scroll far right: 0 unless something sticks out.
      const scrolledBy = await page.evaluate(() => {
        const view = globalThis as unknown as { scrollTo(x: number, y: number): void; scrollX: number };
        view.scrollTo(10_000, 0);
        return view.scrollX;
      });
      expect({ path, scrolledBy }).toEqual({ path, scrolledBy: 0 });
    }
    await saveScreenshot(page, '20-phone-integration');
    await context.close();
  }, 30_000);

  it('reflows for a tablet', async () => {
    const context = await browser.newContext({ viewport: { width: 820, height: 1180 } });
    const page = await context.newPage();
    await submitSignIn(page, server.baseUrl, admin, tenant.slug);
    await expectVisible(healthRow(page));
    // The navigation becomes a bar above the content instead of a column beside it.
    const nav = await page.getByRole('navigation', { name: 'Main' }).boundingBox();
    const main = await page.locator('main').boundingBox();
    expect(nav && main && nav.y + nav.height <= main.y + 1).toBe(true);
    await saveScreenshot(page, '19-tablet-health');
    await context.close();
  }, 30_000);
});
