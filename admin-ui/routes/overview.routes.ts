import type { Hono } from 'hono';
import { describeConnector } from '../../core/connectors/connector.catalog.ts';
import type { HubContext } from '../../core/server/hub-context.ts';
import type { AdminEnv } from '../admin-env.ts';
import { can, currentSession } from '../auth/middleware.ts';
import { hourlyMetrics } from '../data/health-metrics.query.ts';
import { integrationOverviews } from '../data/integration-overview.ts';
import { IntegrationCatalogPage } from '../pages/catalog.page.ts';
import { IntegrationHealthPage } from '../pages/health.page.ts';
import { integrationsIn } from '../../core/tasks/task.repository.ts';
import { renderPage } from '../render.ts';
import { oneOf } from './params.ts';

const STATUSES = ['healthy', 'degraded', 'failing', 'paused'] as const;

export function registerOverviewRoutes(app: Hono<AdminEnv>, hub: HubContext): void {
  app.get('/', (c) => c.redirect('/admin/health', 303));

  app.get('/health', async (c) => {
    const session = currentSession(c);
    const environment = oneOf(c.req.query('environment'), ['staging', 'production'] as const);
    const status = oneOf(c.req.query('status'), STATUSES);
    const all = await integrationOverviews(hub, session.tenant.id, { environment });
    const counts = { healthy: 0, degraded: 0, failing: 0, paused: 0 };
    for (const item of all) counts[item.health.status] += 1;
    const shown = status ? all.filter((item) => item.health.status === status) : all;
    const [hourly, openTasks] = await Promise.all([
      hourlyMetrics(hub, session.tenant.id, shown.map((item) => item.row.id)),
      hub.db
        .selectFrom('tasks')
        .select((eb) => eb.fn.countAll<string>().as('count'))
        .where('tenant_id', '=', session.tenant.id)
        // Acknowledged ones too, as each row's "open tasks" counts them: someone is on it, it is not fixed.
        .where('status', 'in', ['open', 'acknowledged'])
        .$if(environment !== undefined, (select) => select.where('integration_id', 'in', integrationsIn(hub.db, session.tenant.id, environment!)))
        .executeTakeFirst(),
    ]);
    // Failing first: the rows someone has to act on lead.
    const order = { failing: 0, degraded: 1, new: 2, healthy: 3, paused: 4 };
    const rows = shown
      .map((item) => ({ ...item, connectorName: hub.connectors.get(item.row.connector)?.displayName ?? item.row.connector, hourly: hourly.get(item.row.id) ?? [] }))
      .sort((a, b) => order[a.displayed] - order[b.displayed] || a.row.name.localeCompare(b.row.name));
    return renderPage(c, hub, {
      title: 'Health',
      heading: 'Integration health',
      section: 'health',
      body: IntegrationHealthPage({ rows, counts, openTasks: Number(openTasks?.count ?? 0), filter: { environment, status }, now: hub.clock() }),
    });
  });

  app.get('/catalog', async (c) => {
    const session = currentSession(c);
    const rows = await hub.db
      .selectFrom('integration_configs')
      .select(['connector', (eb) => eb.fn.countAll<string>().as('count')])
      .where('tenant_id', '=', session.tenant.id)
      .groupBy('connector')
      .execute();
    return renderPage(c, hub, {
      title: 'Connector catalog',
      section: 'catalog',
      body: IntegrationCatalogPage(hub.connectors.list().map(describeConnector), {
        canAdd: can(session, 'admin'),
        counts: new Map(rows.map((row) => [row.connector, Number(row.count)])),
      }),
    });
  });
}
