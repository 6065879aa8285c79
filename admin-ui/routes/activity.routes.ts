import type { Hono } from 'hono';
import { NotFoundError } from '../../core/http/api-error.ts';
import { getRunbook } from '../../core/runbooks/runbook.repository.ts';
import type { HubContext } from '../../core/server/hub-context.ts';
import type { AdminEnv } from '../admin-env.ts';
import { can, currentSession, requireRole } from '../auth/middleware.ts';
import { replayEvent } from '../../core/events/event-replay.service.ts';
import { EVENT_SOURCES, EVENT_STATUSES, findEvent, listEventSummaries } from '../../core/events/event.query.ts';
import { findRun, listRuns, RUN_KINDS, RUN_STATUSES } from '../../core/runs/run.query.ts';
import { isUuidText } from '../../core/db/uuid-text.ts';
import { isRunActive, PROGRESS_REFRESH_SECONDS, shouldWatch } from '../components/run-progress.ts';
import { integrationNames } from '../data/run.query.ts';
import { EventDetailPage, EventsPage } from '../pages/events.page.ts';
import { RunDetailPage, runTitle } from '../pages/run-detail.page.ts';
import { RunsPage } from '../pages/runs.page.ts';
import { renderPage } from '../render.ts';
import { cursorIn, idParam, oneOf } from './params.ts';

const PAGE_SIZE = 50;

export function registerActivityRoutes(app: Hono<AdminEnv>, hub: HubContext): void {
  app.get('/runs', async (c) => {
    const session = currentSession(c);
    const query = c.req.query();
    const filter = {
      integrationId: isUuidText(query['integrationId']) ? query['integrationId'] : undefined,
      status: oneOf(query['status'], RUN_STATUSES),
      kind: oneOf(query['kind'], RUN_KINDS),
      stream: query['stream']?.trim() || undefined,
      errorCode: query['errorCode']?.trim() || undefined,
      before: cursorIn(query),
      limit: PAGE_SIZE,
    };
    const [runs, names] = await Promise.all([listRuns(hub, session.tenant.id, filter), integrationNames(hub, session.tenant.id)]);
    return renderPage(c, hub, { title: 'Runs', section: 'runs', body: RunsPage({ runs, names, filter, query, now: hub.clock() }) });
  });

  app.get('/runs/:id', async (c) => {
    const session = currentSession(c);
    const run = await findRun(hub, session.tenant.id, idParam(c, 'run'));
    if (!run) throw new NotFoundError('run');
    const [names, events, runbook, task] = await Promise.all([
      integrationNames(hub, session.tenant.id),
      listEventSummaries(hub, session.tenant.id, { runId: run.id, limit: 50 }),
      run.error_code ? getRunbook(run.error_code) : Promise.resolve(undefined),
      run.error_code
        ? hub.db
            .selectFrom('tasks')
            .selectAll()
            .where('tenant_id', '=', session.tenant.id)
            .where('integration_id', '=', run.integration_id)
            .where('code', '=', run.error_code)
            .orderBy('opened_at', 'desc')
            .executeTakeFirst()
        : Promise.resolve(undefined),
    ]);
    const name = names.get(run.integration_id);
    const now = hub.clock();
    return renderPage(c, hub, {
      title: `${runTitle(run)} · ${name ?? 'run'}`,
      refreshSeconds: shouldWatch([run], now) ? PROGRESS_REFRESH_SECONDS : undefined,
      heading: runTitle(run),
      section: 'runs',
      crumbs: [{ href: '/admin/runs', label: 'Runs' }, ...(name ? [{ href: `/admin/integrations/${run.integration_id}`, label: name }] : []), { label: run.id.slice(0, 8) }],
      body: RunDetailPage({
        run,
        integrationName: name,
        events,
        runbookPanel: run.error_code
          ? // While the run is still going its page reloads itself, which only a page without forms may
            // do (auto-refresh.ts): the task is acknowledged on its own page, one click away.
            { code: run.error_code, runbook, message: run.error_message, task, csrf: can(session, 'operator') && !isRunActive(run) ? session.csrfToken : undefined }
          : undefined,
        now,
      }),
    });
  });

  app.get('/events', async (c) => {
    const session = currentSession(c);
    const query = c.req.query();
    const filter = {
      integrationId: isUuidText(query['integrationId']) ? query['integrationId'] : undefined,
      runId: isUuidText(query['runId']) ? query['runId'] : undefined,
      type: query['type']?.trim() || undefined,
      status: oneOf(query['status'], EVENT_STATUSES),
      source: oneOf(query['source'], EVENT_SOURCES),
      before: cursorIn(query),
      limit: PAGE_SIZE,
    };
    const [events, names] = await Promise.all([listEventSummaries(hub, session.tenant.id, filter), integrationNames(hub, session.tenant.id)]);
    return renderPage(c, hub, { title: 'Events', section: 'events', body: EventsPage({ events, names, filter, query, now: hub.clock() }) });
  });

  app.get('/events/:id', async (c) => {
    const session = currentSession(c);
    const event = await findEvent(hub, session.tenant.id, idParam(c, 'event'));
    if (!event) throw new NotFoundError('event');
    const names = await integrationNames(hub, session.tenant.id);
    return renderPage(c, hub, {
      title: `Event ${event.type}`,
      section: 'events',
      crumbs: [{ href: '/admin/events', label: 'Events' }, { label: event.type }],
      body: EventDetailPage(event, names.get(event.integration_id), hub.clock(), can(session, 'operator') ? session.csrfToken : undefined),
    });
  });

  app.post('/events/:id/replay', async (c) => {
    const session = requireRole(c, 'operator');
    const { event, failedActionsNotRetried } = await replayEvent(hub, session.principal, idParam(c, 'event'), c.get('requestId'));
    return c.redirect(`/admin/events/${event.id}?notice=${failedActionsNotRetried > 0 ? 'replayed_some_stay_failed' : 'replayed'}`, 303);
  });
}
