import { z } from 'zod';
import { auditAs } from '../audit/audit-as.ts';
import { defineRoute } from '../http/route.ts';
import { TenantSettings, tenantSettings, updateTenantSettings } from './tenant-settings.ts';

const UpdateTenantSettings = z.strictObject({ requireRotationApproval: z.boolean().optional() });

export const tenantSettingsRoutes = [
  defineRoute({
    method: 'get', path: '/api/tenant/settings', summary: "The tenant's settings", tag: 'tenant', access: 'admin',
    responses: { 200: { description: 'settings', schema: TenantSettings } },
    async handler(_input, { hub, principal }) {
      return { status: 200, body: await tenantSettings(hub, principal.tenantId) };
    },
  }),
  defineRoute({
    method: 'patch', path: '/api/tenant/settings', summary: 'Change tenant settings, e.g. require a second admin to approve credential rotations', tag: 'tenant', access: 'admin',
    body: UpdateTenantSettings, responses: { 200: { description: 'settings', schema: TenantSettings } },
    async handler({ body }, { hub, principal, requestId }) {
      const change = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
      const settings = await updateTenantSettings(hub, principal.tenantId, change);
      await auditAs(hub.db, principal, requestId, { action: 'tenant.settings_changed', targetType: 'tenant', targetId: principal.tenantId, detail: change });
      return { status: 200, body: settings };
    },
  }),
];
