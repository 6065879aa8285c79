import { z } from 'zod';
import { ErrorResponse, IdParams } from '../../schemas/api/common.schema.ts';
import { defineRoute } from '../http/route.ts';
import { PendingSettingsChange, SettingChange, SettingChangeList, toSettingChange } from './setting-change.schema.ts';
import { approveSettingChange, cancelSettingChange, listSettingChanges, requestSettingsChange } from './setting-change.service.ts';
import { TenantSettings, tenantSettings } from './tenant-settings.ts';

const UpdateTenantSettings = z.strictObject({ requireRotationApproval: z.boolean().optional() });

const SettingChangeQuery = z.object({ status: z.literal('pending_approval').optional().describe('only the changes waiting for approval') });

const decisionErrors = {
  404: { description: 'not found', schema: ErrorResponse },
  409: { description: 'already approved or cancelled', schema: ErrorResponse },
};

export const tenantSettingsRoutes = [
  defineRoute({
    method: 'get', path: '/api/tenant/settings', summary: "The tenant's settings", tag: 'tenant', access: 'admin',
    responses: { 200: { description: 'settings', schema: TenantSettings } },
    async handler(_input, { hub, principal }) {
      return { status: 200, body: await tenantSettings(hub, principal.tenantId) };
    },
  }),
  defineRoute({
    method: 'patch', path: '/api/tenant/settings',
    summary: 'Change tenant settings, e.g. require a second admin to approve credential rotations; switching that off while it is on waits for another admin',
    tag: 'tenant', access: 'admin', body: UpdateTenantSettings, example: { requireRotationApproval: true },
    responses: {
      200: { description: 'settings, changed', schema: TenantSettings },
      202: { description: 'switching off rotation approval waits for another admin to approve it (POST /api/tenant/settings/changes/:id/approve); nothing changed yet', schema: PendingSettingsChange },
    },
    async handler({ body }, { hub, principal, requestId }) {
      const change = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
      const outcome = await requestSettingsChange(hub, principal, change, requestId);
      if (outcome.status === 'applied') return { status: 200, body: outcome.settings };
      return { status: 202, body: { status: outcome.status, settings: outcome.settings, change: toSettingChange(outcome.change) } };
    },
  }),
  defineRoute({
    method: 'get', path: '/api/tenant/settings/changes', summary: 'Setting changes that wait or waited for a second admin, newest first (the last 100)', tag: 'tenant',
    access: 'admin', query: SettingChangeQuery, responses: { 200: { description: 'setting changes', schema: SettingChangeList } },
    async handler({ query }, { hub, principal }) {
      const rows = await listSettingChanges(hub, principal.tenantId, { pendingOnly: query.status === 'pending_approval' });
      return { status: 200, body: { changes: rows.map(toSettingChange) } };
    },
  }),
  defineRoute({
    method: 'post', path: '/api/tenant/settings/changes/:id/approve', summary: 'Approve and apply a pending setting change (not your own)', tag: 'tenant',
    access: 'admin', resource: 'setting_change', params: IdParams,
    responses: { 200: { description: 'applied', schema: SettingChange }, 403: { description: 'needs the admin role; or `second_admin_required`: the requester cannot approve their own change', schema: ErrorResponse }, ...decisionErrors },
    async handler({ params }, { hub, principal, requestId }) {
      return { status: 200, body: toSettingChange(await approveSettingChange(hub, principal, params.id, requestId)) };
    },
  }),
  defineRoute({
    method: 'post', path: '/api/tenant/settings/changes/:id/cancel', summary: 'Cancel a pending setting change: the requester withdraws it, or another admin refuses it', tag: 'tenant',
    access: 'admin', resource: 'setting_change', params: IdParams, responses: { 200: { description: 'cancelled', schema: SettingChange }, ...decisionErrors },
    async handler({ params }, { hub, principal, requestId }) {
      return { status: 200, body: toSettingChange(await cancelSettingChange(hub, principal, params.id, requestId)) };
    },
  }),
];
