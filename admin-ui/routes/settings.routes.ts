import type { Hono } from 'hono';
import { auditAs } from '../../core/audit/audit-as.ts';
import type { HubContext } from '../../core/server/hub-context.ts';
import { tenantSettings, updateTenantSettings } from '../../core/tenancy/tenant-settings.ts';
import type { AdminEnv } from '../admin-env.ts';
import { requireRole } from '../auth/middleware.ts';
import { SettingsPage } from '../pages/settings.page.ts';
import { renderPage } from '../render.ts';
import { formOf } from './params.ts';

export function registerSettingsRoutes(app: Hono<AdminEnv>, hub: HubContext): void {
  app.get('/settings', async (c) => {
    const session = requireRole(c, 'admin');
    const settings = await tenantSettings(hub, session.tenant.id);
    return renderPage(c, hub, { title: 'Settings', heading: `Settings of ${session.tenant.name}`, section: 'settings', body: SettingsPage(settings, session.csrfToken) });
  });

  app.post('/settings', async (c) => {
    const session = requireRole(c, 'admin');
    const form = await formOf(c);
    const change = { requireRotationApproval: form['requireRotationApproval'] === 'true' };
    await updateTenantSettings(hub, session.tenant.id, change);
    await auditAs(hub.db, session.principal, c.get('requestId'), {
      action: 'tenant.settings_changed',
      targetType: 'tenant',
      targetId: session.tenant.id,
      detail: change,
    });
    return c.redirect('/admin/settings?notice=settings_saved', 303);
  });
}
