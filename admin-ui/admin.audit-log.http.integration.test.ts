import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../core/audit/audit.repository.ts';
import { startAdminHttpFixture, type AdminHttpFixture } from '../test-support/browser/admin-http-fixture.ts';

// The admin UI's audit log page through the real Hono app: admins read who changed what, newest
// first, filtered by action and paged; other roles are not shown the page and get a 403.

let fx: AdminHttpFixture;
beforeAll(async () => {
  fx = await startAdminHttpFixture('admin_audit_log');
});
afterAll(async () => {
  await fx?.close();
});

const rowsOf = (body: string) => body.match(/<tr data-audit-entry=/g)?.length ?? 0;

describe('admin UI: audit log', () => {
  it('shows an admin what was done, by whom, to what, and when (in UTC)', async () => {
    const client = await fx.signIn(fx.admin);
    const page = await client.get(`/admin/integrations/${fx.acmeIntegration}`);
    expect((await client.post(`/admin/integrations/${fx.acmeIntegration}/pause`, {}, { csrf: /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? null })).status).toBe(303);

    const audit = await client.get('/admin/audit');
    expect(audit.status).toBe(200);
    expect(audit.body).toContain('<h1');
    expect(audit.body).toContain('Audit log');
    expect(audit.body).toContain('aria-current="page">Audit log');
    const paused = /<tr data-audit-entry=[\s\S]*?<\/tr>/.exec(audit.body)?.[0] ?? '';
    expect(paused).toContain('integration.paused');
    expect(paused).toContain(fx.admin.email);
    expect(paused).toMatch(/UTC/);
    // The target links to the integration, under its (escaped) name.
    expect(paused).toContain(`href="/admin/integrations/${fx.acmeIntegration}"`);
    expect(paused).toContain('SN &lt;script&gt;alert(1)&lt;/script&gt;');
    // Signing in is audited too, and older than the pause.
    expect(audit.body).toContain('user.signed_in');
    // The integration was created with a password through the API; no entry shows it.
    expect(audit.body).not.toContain('super-secret-password');
    // Another tenant's entries are not shown.
    expect(audit.body).not.toContain('Other tenant SN');
  });

  it('filters by action and pages with an Older link', async () => {
    const tenantId = fx.acme.id;
    for (let i = 0; i < 55; i++) {
      await recordAudit(fx.test.hub.db, { tenantId, actorType: 'system', actorId: 'test', action: 'test.bulk', detail: { n: i } });
    }
    const client = await fx.signIn(fx.admin);
    const first = await client.get('/admin/audit?action=test.bulk');
    expect(first.status).toBe(200);
    expect(rowsOf(first.body)).toBe(50);
    expect(first.body).not.toContain('user.signed_in');
    const older = /href="(\/admin\/audit\?[^"]*before=[^"]*)"/.exec(first.body)?.[1]?.replaceAll('&amp;', '&');
    expect(older).toContain('action=test.bulk');
    const second = await client.get(older ?? '');
    expect(rowsOf(second.body)).toBe(5);
    expect(second.body).not.toContain('Older');
  });

  it('says so when no entry matches the filter', async () => {
    const client = await fx.signIn(fx.admin);
    const none = await client.get('/admin/audit?action=nothing.like.this');
    expect(none.status).toBe(200);
    expect(none.body).toContain('No audit entries match this action.');
  });

  it('is only for admins: not in an operator\'s menu, and 403 when they ask', async () => {
    const client = await fx.signIn(fx.operator);
    const health = await client.get('/admin/health');
    expect(health.body).not.toContain('href="/admin/audit"');
    const refused = await client.get('/admin/audit');
    expect(refused.status).toBe(403);
  });
});
