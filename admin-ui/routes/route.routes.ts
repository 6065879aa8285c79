import type { Context, Hono } from 'hono';
import { ApiError, ValidationError, type FieldError } from '../../core/http/api-error.ts';
import { listIntegrations } from '../../core/integrations/integration.repository.ts';
import { createRoute, deleteRoute, RouteChangedError, updateRoute } from '../../core/routes/route.service.ts';
import type { HubContext } from '../../core/server/hub-context.ts';
import type { CreateRouteRequest, UpdateRouteRequest } from '../../schemas/api/route.schema.ts';
import { Timestamp } from '../../schemas/api/common.schema.ts';
import type { AdminEnv } from '../admin-env.ts';
import { can, currentSession, requireRole } from '../auth/middleware.ts';
import type { Notice } from '../components/notice.ts';
import { requireVersionedRoute, type VersionedRoute } from '../data/route-version.ts';
import { EMPTY_ROUTE, readRouteForm, routeValuesOf, type RouteFormValues } from '../forms/route-form.ts';
import { html } from '../html.ts';
import { RouteDangerZone, RouteForm, RoutesPage, type RouteIntegration } from '../pages/routes.page.ts';
import { renderPage } from '../render.ts';
import { formOf, idParam } from './params.ts';
import { integrationLabels } from '../data/integration-labels.ts';

type FormState = { values: RouteFormValues; errors: FieldError[]; version?: string | undefined; notice?: Notice };

const NOT_SAVED: Notice = { kind: 'error', text: 'The route was not saved. Correct the problems below.' };

const CHANGED_MEANWHILE: Notice = {
  kind: 'warning',
  text: 'Your changes were not saved: someone else changed this route after you opened the form. The form now shows the current route; make your changes again and save.',
};

export function registerRouteRoutes(app: Hono<AdminEnv>, hub: HubContext): void {
  async function integrationsOf(tenantId: string): Promise<RouteIntegration[]> {
    const rows = await listIntegrations(hub.db, tenantId, {});
    const labels = integrationLabels(rows);
    return rows.map((row) => ({
      id: row.id,
      name: labels.get(row.id) ?? row.name,
      connector: row.connector,
      actions: Object.keys(hub.connectors.get(row.connector)?.actions ?? {}),
    }));
  }

  /** The list, and for admins the "New route" form below it. */
  async function renderList(c: Context<AdminEnv>, form: FormState | undefined, status: 200 | 400) {
    const session = currentSession(c);
    const admin = can(session, 'admin');
    const [routes, integrations] = await Promise.all([
      // The same query as GET /api/routes.
      hub.db.selectFrom('routes').selectAll().where('tenant_id', '=', session.tenant.id).orderBy('name').execute(),
      integrationsOf(session.tenant.id),
    ]);
    const names = new Map(integrations.map((integration) => [integration.id, integration.name]));
    const formHtml = admin
      ? RouteForm({ mode: 'create', action: '/admin/routes', csrf: session.csrfToken, values: form?.values ?? EMPTY_ROUTE, errors: form?.errors ?? [], integrations })
      : undefined;
    return renderPage(
      c,
      hub,
      { title: 'Routes', section: 'routes', ...(form ? { notice: NOT_SAVED } : {}), body: RoutesPage({ routes, names, csrf: admin ? session.csrfToken : undefined }, formHtml) },
      status,
    );
  }

  async function renderEdit(c: Context<AdminEnv>, row: VersionedRoute, form: FormState | undefined, status: 200 | 400 | 409) {
    const session = currentSession(c);
    const integrations = await integrationsOf(session.tenant.id);
    // After a refused save the form keeps the version it was filled from (see the integration form).
    const version = form?.version ?? row.version;
    return renderPage(
      c,
      hub,
      {
        title: `Edit ${row.name}`,
        section: 'routes',
        crumbs: [{ href: '/admin/routes', label: 'Routes' }, { label: row.name }],
        ...(form ? { notice: form.notice ?? NOT_SAVED } : {}),
        body: html`${RouteForm({
          mode: 'edit',
          action: `/admin/routes/${row.id}`,
          csrf: session.csrfToken,
          values: form?.values ?? routeValuesOf(row),
          errors: form?.errors ?? [],
          integrations,
          cancelHref: '/admin/routes',
          version,
        })}${RouteDangerZone({ routeId: row.id, routeName: row.name, csrf: session.csrfToken })}`,
      },
      status,
    );
  }

  app.get('/routes', (c) => renderList(c, undefined, 200));

  app.post('/routes', async (c) => {
    const session = requireRole(c, 'admin');
    const submitted = readRouteForm('create', await formOf(c));
    if (!submitted.ok) return renderList(c, submitted, 400);
    try {
      await createRoute(hub, session.principal, submitted.request as CreateRouteRequest, c.get('requestId'));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return renderList(c, { values: submitted.values, errors: fieldErrorsOf(error) }, 400);
    }
    return c.redirect('/admin/routes?notice=route_created', 303);
  });

  app.get('/routes/:id/edit', async (c) => {
    const session = requireRole(c, 'admin');
    return renderEdit(c, await requireVersionedRoute(hub, session.tenant.id, idParam(c, 'route')), undefined, 200);
  });

  app.post('/routes/:id', async (c) => {
    const session = requireRole(c, 'admin');
    const row = await requireVersionedRoute(hub, session.tenant.id, idParam(c, 'route'));
    const form = await formOf(c);
    // Forms rendered before the version field existed, and scripted posts, carry none: saved as before.
    const version = form['updated_at'];
    const submitted = readRouteForm('edit', form, row);
    if (!submitted.ok) return renderEdit(c, row, { ...submitted, version }, 400);
    try {
      // The version is checked in the write itself: a save that lands between a check and the write
      // cannot be undone by this form either.
      if (version !== undefined && !Timestamp.safeParse(version).success) throw new RouteChangedError();
      await updateRoute(hub, session.principal, row.id, submitted.request as UpdateRouteRequest, c.get('requestId'), { expectedUpdatedAt: version });
    } catch (error) {
      if (error instanceof RouteChangedError) {
        // Start again from what is stored now: the other change is shown, ours is to be redone.
        const current = await requireVersionedRoute(hub, session.tenant.id, row.id);
        return renderEdit(c, current, { values: routeValuesOf(current), errors: [], notice: CHANGED_MEANWHILE }, 409);
      }
      if (!(error instanceof ValidationError)) throw error;
      return renderEdit(c, row, { values: submitted.values, errors: fieldErrorsOf(error), version }, 400);
    }
    return c.redirect('/admin/routes?notice=route_saved', 303);
  });

  app.post('/routes/:id/delete', async (c) => {
    const session = requireRole(c, 'admin');
    const id = idParam(c, 'route');
    if ((await formOf(c))['confirm'] !== 'yes') throw new ApiError(400, 'confirmation_required', 'Tick the confirmation box to delete the route.');
    await deleteRoute(hub, session.principal, id, c.get('requestId'));
    return c.redirect('/admin/routes?notice=route_deleted', 303);
  });
}

function fieldErrorsOf(error: ValidationError): FieldError[] {
  return error.fields ?? [{ path: 'body', message: error.message }];
}
