import type { Hono } from 'hono';
import type { HubContext } from '../../core/server/hub-context.ts';
import { approveSettingChange, cancelSettingChange, isSettingChangeRequester, listSettingChanges, requestSettingsChange } from '../../core/tenancy/setting-change.service.ts';
import { tenantSettings } from '../../core/tenancy/tenant-settings.ts';
import type { AdminEnv } from '../admin-env.ts';
import { requireRole } from '../auth/middleware.ts';
import { SettingsPage } from '../pages/settings.page.ts';
import { renderPage } from '../render.ts';
import { formOf, idParam } from './params.ts';

export function registerSettingsRoutes(app: Hono<AdminEnv>, hub: HubContext): void {
  app.get('/settings', async (c) => {
    const session = requireRole(c, 'admin');
    const [settings, pending] = await Promise.all([tenantSettings(hub, session.tenant.id), listSettingChanges(hub, session.tenant.id, { pendingOnly: true })]);
    const pendingSwitchOff = pending.find((change) => change.setting === 'requireRotationApproval');
    const ownRequest = pendingSwitchOff !== undefined && isSettingChangeRequester(pendingSwitchOff, session.principal);
    return renderPage(c, hub, {
      title: 'Settings',
      heading: `Settings of ${session.tenant.name}`,
      section: 'settings',
      body: SettingsPage({ settings, pendingSwitchOff, ownRequest, csrf: session.csrfToken, now: hub.clock() }),
    });
  });

  app.post('/settings', async (c) => {
    const session = requireRole(c, 'admin');
    const form = await formOf(c);
    const change = { requireRotationApproval: form['requireRotationApproval'] === 'true' };
    // Audited by the service, in the transaction of the change or of the request it makes.
    const outcome = await requestSettingsChange(hub, session.principal, change, c.get('requestId'));
    return c.redirect(`/admin/settings?notice=${outcome.status === 'applied' ? 'settings_saved' : 'settings_change_pending'}`, 303);
  });

  for (const [path, decide, notice] of [
    ['approve', approveSettingChange, 'settings_change_approved'],
    ['cancel', cancelSettingChange, 'settings_change_cancelled'],
  ] as const) {
    app.post(`/settings/changes/:id/${path}`, async (c) => {
      const session = requireRole(c, 'admin');
      await decide(hub, session.principal, idParam(c, 'setting change'), c.get('requestId'));
      return c.redirect(`/admin/settings?notice=${notice}`, 303);
    });
  }
}
