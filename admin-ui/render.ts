import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { HubContext } from '../core/server/hub-context.ts';
import type { AdminEnv } from './admin-env.ts';
import { noticeFor } from './components/notice.ts';
import { layout, type PageOptions } from './layout.ts';

async function openTaskCount(hub: HubContext, tenantId: string): Promise<number> {
  const row = await hub.db
    .selectFrom('tasks')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('tenant_id', '=', tenantId)
    .where('status', '=', 'open')
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

/** Renders a page in the signed-in layout; `?notice=` after a redirect becomes its banner. */
export async function renderPage(
  c: Context<AdminEnv>,
  hub: HubContext,
  page: Omit<PageOptions, 'session' | 'openTasks'>,
  status: ContentfulStatusCode = 200,
): Promise<Response> {
  const session = c.get('session');
  const openTasks = session ? await openTaskCount(hub, session.tenant.id) : undefined;
  const notice = page.notice ?? noticeFor(c.req.query('notice'));
  c.header('Cache-Control', 'no-store');
  return c.html(layout({ ...page, notice, session, ...(openTasks === undefined ? {} : { openTasks }) }), status);
}
