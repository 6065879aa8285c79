import type { Hono } from 'hono';
import { auditAs } from '../../core/audit/audit-as.ts';
import { ApiError } from '../../core/http/api-error.ts';
import { deleteIntegration, requireIntegration, setPaused } from '../../core/integrations/integration.service.ts';
import { checkIntegration } from '../../core/runs/check.service.ts';
import { requestSync } from '../../core/runs/sync.service.ts';
import type { HubContext } from '../../core/server/hub-context.ts';
import type { AdminEnv } from '../admin-env.ts';
import { requireRole } from '../auth/middleware.ts';
import { formOf, idParam } from './params.ts';
import { syncProgressPath } from './sync-progress.routes.ts';

// What operators do to an integration (check, sync, pause, resume) and admins' delete. Each is a
// POST that redirects (back, or to the progress of a sync), so reloading the page does not repeat it.

export function registerIntegrationActionRoutes(app: Hono<AdminEnv>, hub: HubContext): void {
  app.post('/integrations/:id/check', async (c) => {
    const session = requireRole(c, 'operator');
    const row = await requireIntegration(hub, session.tenant.id, idParam(c, 'integration'));
    const result = await checkIntegration(hub, row, session.principal.label);
    await auditAs(hub.db, session.principal, c.get('requestId'), {
      action: 'integration.checked',
      targetType: 'integration',
      targetId: row.id,
      detail: { ok: result.ok, runId: result.runId, ...(result.error ? { code: result.error.code } : {}) },
    });
    return c.redirect(`/admin/integrations/${row.id}?check=${result.runId}`, 303);
  });

  app.post('/integrations/:id/sync', async (c) => {
    const session = requireRole(c, 'operator');
    const row = await requireIntegration(hub, session.tenant.id, idParam(c, 'integration'));
    const form = await formOf(c);
    const mode = form['mode'] === 'full' ? 'full' : 'incremental';
    const runs = await requestSync(hub, row, { ...(form['stream'] ? { stream: form['stream'] } : {}), mode }, session.principal.label);
    await auditAs(hub.db, session.principal, c.get('requestId'), {
      action: 'integration.sync_requested',
      targetType: 'integration',
      targetId: row.id,
      detail: { stream: form['stream'] || null, mode, runIds: runs.map((run) => run.id) },
    });
    // To the progress of what was started: the run's own page, or a page of the runs of every stream.
    const [only] = runs;
    return c.redirect(runs.length === 1 && only ? `/admin/runs/${only.id}` : syncProgressPath(row.id, runs.map((run) => run.id)), 303);
  });

  for (const [path, paused] of [['pause', true], ['resume', false]] as const) {
    app.post(`/integrations/:id/${path}`, async (c) => {
      const session = requireRole(c, 'operator');
      const row = await setPaused(hub, session.principal, idParam(c, 'integration'), paused, c.get('requestId'));
      const notice = paused ? 'paused' : row.enabled ? 'resumed' : 'resumed_disabled';
      return c.redirect(`/admin/integrations/${row.id}?notice=${notice}`, 303);
    });
  }

  app.post('/integrations/:id/delete', async (c) => {
    const session = requireRole(c, 'admin');
    const id = idParam(c, 'integration');
    const form = await formOf(c);
    if (form['confirm'] !== 'yes') throw new ApiError(400, 'confirmation_required', 'Tick the confirmation box to delete the integration.');
    await deleteIntegration(hub, session.principal, id, c.get('requestId'));
    return c.redirect('/admin/integrations?notice=deleted', 303);
  });
}
