import type { Hono } from 'hono';
import { listAudit } from '../../core/audit/audit.repository.ts';
import type { HubContext } from '../../core/server/hub-context.ts';
import type { AdminEnv } from '../admin-env.ts';
import { requireRole } from '../auth/middleware.ts';
import { auditNames } from '../data/audit-names.query.ts';
import { AuditPage } from '../pages/audit.page.ts';
import { renderPage } from '../render.ts';
import { cursorIn } from './params.ts';

const PAGE_SIZE = 50;

// Admin only, as `GET /api/audit` is: the log names every user and token and what they did.
export function registerAuditRoutes(app: Hono<AdminEnv>, hub: HubContext): void {
  app.get('/audit', async (c) => {
    const session = requireRole(c, 'admin');
    const query = c.req.query();
    const action = query['action']?.trim() || undefined;
    const entries = await listAudit(hub.db, session.tenant.id, { limit: PAGE_SIZE, before: cursorIn(query), action });
    const names = await auditNames(hub, session.tenant.id, entries);
    return renderPage(c, hub, { title: 'Audit log', section: 'audit', body: AuditPage({ entries, names, action, limit: PAGE_SIZE, query }) });
  });
}
