import type { Hono } from 'hono';
import { isUuidText } from '../../core/db/uuid-text.ts';
import { NotFoundError } from '../../core/http/api-error.ts';
import { requireIntegration } from '../../core/integrations/integration.service.ts';
import type { HubContext } from '../../core/server/hub-context.ts';
import type { AdminEnv } from '../admin-env.ts';
import { currentSession } from '../auth/middleware.ts';
import { PROGRESS_REFRESH_SECONDS, shouldWatch } from '../components/run-progress.ts';
import { findSyncRuns } from '../data/sync-runs.query.ts';
import { SyncProgressPage } from '../pages/sync-progress.page.ts';
import { renderPage } from '../render.ts';
import { idParam } from './params.ts';

/** Where "Run now" for several streams lands: `?run=` names each run it made. */
export function syncProgressPath(integrationId: string, runIds: readonly string[]): string {
  return `/admin/integrations/${integrationId}/sync?${runIds.map((id) => `run=${id}`).join('&')}`;
}

export function registerSyncProgressRoutes(app: Hono<AdminEnv>, hub: HubContext): void {
  app.get('/integrations/:id/sync', async (c) => {
    const session = currentSession(c);
    const row = await requireIntegration(hub, session.tenant.id, idParam(c, 'integration'));
    const runIds = (c.req.queries('run') ?? []).filter(isUuidText).map((id) => id.toLowerCase());
    const runs = await findSyncRuns(hub, session.tenant.id, row.id, runIds);
    if (runs.length === 0) throw new NotFoundError('sync');
    const now = hub.clock();
    return renderPage(c, hub, {
      title: `Sync of ${row.name}`,
      section: 'integrations',
      crumbs: [{ href: '/admin/integrations', label: 'Integrations' }, { href: `/admin/integrations/${row.id}`, label: row.name }, { label: 'Sync' }],
      refreshSeconds: shouldWatch(runs, now) ? PROGRESS_REFRESH_SECONDS : undefined,
      body: SyncProgressPage({ integrationId: row.id, runs, now }),
    });
  });
}
