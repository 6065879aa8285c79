import type { Hono } from 'hono';
import { NotFoundError } from '../../core/http/api-error.ts';
import { loadRunbooks } from '../../core/runbooks/runbook.repository.ts';
import type { HubContext } from '../../core/server/hub-context.ts';
import type { AdminEnv } from '../admin-env.ts';
import { currentSession } from '../auth/middleware.ts';
import { RunbookPage, RunbooksPage } from '../pages/runbooks.page.ts';
import { renderPage } from '../render.ts';

const SEVERITY_ORDER: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };

export function registerRunbookRoutes(app: Hono<AdminEnv>, hub: HubContext): void {
  app.get('/runbooks', async (c) => {
    const session = currentSession(c);
    const [runbooks, open] = await Promise.all([
      loadRunbooks(),
      hub.db
        .selectFrom('tasks')
        .select(['code', (eb) => eb.fn.countAll<string>().as('count')])
        .where('tenant_id', '=', session.tenant.id)
        .where('status', '=', 'open')
        .groupBy('code')
        .execute(),
    ]);
    const sorted = [...runbooks.values()].sort((a, b) => (SEVERITY_ORDER[a.severity] ?? 9) - (SEVERITY_ORDER[b.severity] ?? 9) || a.code.localeCompare(b.code));
    return renderPage(c, hub, { title: 'Runbooks', section: 'runbooks', body: RunbooksPage(sorted, new Map(open.map((row) => [row.code, Number(row.count)]))) });
  });

  app.get('/runbooks/:code', async (c) => {
    const runbook = (await loadRunbooks()).get(c.req.param('code'));
    if (!runbook) throw new NotFoundError('runbook');
    return renderPage(c, hub, {
      title: runbook.title,
      section: 'runbooks',
      crumbs: [{ href: '/admin/runbooks', label: 'Runbooks' }, { label: runbook.code }],
      body: RunbookPage(runbook),
    });
  });
}
