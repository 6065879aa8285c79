import type { Context, Hono } from 'hono';
import { describeConnector } from '../../core/connectors/connector.catalog.ts';
import type { IntegrationConfigRow } from '../../core/db/database.types.ts';
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../../core/http/api-error.ts';
import { findVersionedIntegration, type VersionedIntegration } from '../../core/integrations/integration.repository.ts';
import { createIntegration, IntegrationChangedError, updateIntegration } from '../../core/integrations/integration.service.ts';
import { RotationApprovalRequiredError } from '../../core/vault/credential-approval.ts';
import { integrationHealth } from '../../core/health/integration-health.service.ts';
import type { HubContext } from '../../core/server/hub-context.ts';
import { Timestamp } from '../../schemas/api/common.schema.ts';
import type { CreateIntegrationRequest, UpdateIntegrationRequest } from '../../schemas/api/integration.schema.ts';
import type { AdminEnv } from '../admin-env.ts';
import { can, currentSession, requireRole } from '../auth/middleware.ts';
import { environmentTag, healthBadge } from '../components/badges.ts';
import type { IntegrationConfigFormProps, IntegrationFormValues } from '../components/integration-config-form.ts';
import { IntegrationConfigForm } from '../components/integration-config-form.ts';
import type { Notice } from '../components/notice.ts';
import { displayedHealth, integrationOverviews } from '../data/integration-overview.ts';
import { listTasks } from '../../core/tasks/task.repository.ts';
import { isUuidText } from '../../core/db/uuid-text.ts';
import { readIntegrationForm, withCredentialsReminder } from '../forms/integration-form.ts';
import { html } from '../html.ts';
import { IntegrationDetailPage, integrationActions } from '../pages/integration-detail.page.ts';
import { IntegrationListPage } from '../pages/integration-list.page.ts';
import { renderPage } from '../render.ts';
import { runbookLink } from '../components/runbook-link.ts';
import { duration } from '../components/time.ts';
import { formOf, idParam, oneOf } from './params.ts';

interface EditFormState {
  errors: FieldError[];
  values: IntegrationFormValues;
  /** The version (`updated_at`) the form was filled from; the shown row's when absent. */
  version?: string | undefined;
  notice?: Notice;
}

const NOT_SAVED: Notice = { kind: 'error', text: 'The changes were not saved. Correct the problems below.' };

const CHANGED_MEANWHILE: Notice = {
  kind: 'warning',
  text: 'Your changes were not saved: someone else changed this integration after you opened the form. The form now shows the current settings; make your changes again and save.',
};

async function requireVersionedIntegration(hub: HubContext, tenantId: string, id: string): Promise<VersionedIntegration> {
  const row = await findVersionedIntegration(hub.db, tenantId, id);
  if (!row) throw new NotFoundError('integration');
  return row;
}

function connectorOf(hub: HubContext, id: string) {
  const connector = hub.connectors.get(id);
  if (!connector) throw new NotFoundError(`connector "${id}"`);
  return { connector, info: describeConnector(connector) };
}

function valuesOf(row: IntegrationConfigRow): IntegrationFormValues {
  return {
    name: row.name,
    environment: row.environment,
    enabled: row.enabled,
    config: row.config,
    schedules: row.schedules,
    credentialsExpiresOn: row.credentials_expires_at?.toISOString().slice(0, 10) ?? '',
  };
}

async function checkNotice(hub: HubContext, row: IntegrationConfigRow, runId: string | undefined): Promise<Notice | undefined> {
  if (!isUuidText(runId)) return undefined;
  const run = await hub.db
    .selectFrom('integration_runs')
    .selectAll()
    .where('tenant_id', '=', row.tenant_id)
    .where('integration_id', '=', row.id)
    .where('id', '=', runId)
    .where('kind', '=', 'check')
    .executeTakeFirst();
  if (!run || run.status === 'queued' || run.status === 'running') return undefined;
  if (run.status === 'succeeded') {
    const detail = (run.result as { detail?: string } | null)?.detail;
    return { kind: 'success', text: html`Connection OK${detail ? html`: ${detail}` : ''} (${duration(run.latency_ms)}).` };
  }
  return {
    kind: 'error',
    text: html`Connection check failed: <code>${run.error_code ?? 'unknown'}</code> — ${run.error_message ?? ''} ${run.error_code ? runbookLink(run.error_code) : ''} <a href="/admin/runs/${run.id}">Open the check run</a>.`,
  };
}

export function registerIntegrationRoutes(app: Hono<AdminEnv>, hub: HubContext): void {
  app.get('/integrations', async (c) => {
    const session = currentSession(c);
    const environment = oneOf(c.req.query('environment'), ['staging', 'production'] as const);
    const connectorId = c.req.query('connector') || undefined;
    const items = await integrationOverviews(hub, session.tenant.id, { environment, connector: connectorId });
    const connectors = hub.connectors.list().map((c) => ({ id: c.id, displayName: c.displayName }));
    const names = new Map(connectors.map((c) => [c.id, c.displayName]));
    return renderPage(c, hub, {
      title: 'Integrations',
      section: 'integrations',
      ...(can(session, 'admin') ? { actions: html`<a class="button button--primary" href="/admin/catalog">Add integration</a>` } : {}),
      body: IntegrationListPage({
        items: items.map((item) => ({
          ...item,
          connectorName: names.get(item.row.connector) ?? item.row.connector,
          streams: Object.keys(hub.connectors.get(item.row.connector)?.streams ?? {}),
        })),
        connectors,
        filter: { environment, connector: connectorId },
        now: hub.clock(),
      }),
    });
  });

  const renderCreate = (c: Context<AdminEnv>, props: IntegrationConfigFormProps, status: 200 | 400 | 409) =>
    renderPage(
      c,
      hub,
      {
        title: `Add ${props.connector.displayName} integration`,
        section: 'integrations',
        crumbs: [{ href: '/admin/catalog', label: 'Catalog' }, { label: `Add ${props.connector.displayName}` }],
        body: html`<section class="card">${IntegrationConfigForm(props)}</section>`,
      },
      status,
    );

  app.get('/integrations/new', async (c) => {
    const session = requireRole(c, 'admin');
    const { info } = connectorOf(hub, c.req.query('connector') ?? '');
    return renderCreate(
      c,
      {
        mode: 'create',
        connector: info,
        action: `/admin/integrations?connector=${encodeURIComponent(info.id)}`,
        csrf: session.csrfToken,
        values: { name: '', environment: 'production', enabled: true, config: {}, schedules: {}, credentialsExpiresOn: '' },
        errors: [],
        credentials: { set: false, hint: null },
        cancelHref: '/admin/catalog',
      },
      200,
    );
  });

  app.post('/integrations', async (c) => {
    const session = requireRole(c, 'admin');
    const { connector, info } = connectorOf(hub, c.req.query('connector') ?? '');
    const submitted = readIntegrationForm('create', info, connector, await formOf(c));
    const props = (errors: FieldError[], values: IntegrationFormValues): IntegrationConfigFormProps => ({
      mode: 'create',
      connector: info,
      action: `/admin/integrations?connector=${encodeURIComponent(info.id)}`,
      csrf: session.csrfToken,
      values,
      errors,
      credentials: { set: false, hint: null },
      cancelHref: '/admin/catalog',
    });
    if (!submitted.ok) return renderCreate(c, props(submitted.errors, submitted.values), 400);
    try {
      const row = await createIntegration(hub, session.principal, submitted.request as CreateIntegrationRequest, c.get('requestId'));
      return c.redirect(`/admin/integrations/${row.id}?notice=created`, 303);
    } catch (error) {
      const fields = fieldErrorsOf(error);
      if (!fields) throw error;
      return renderCreate(c, props(withCredentialsReminder(fields, submitted.values), submitted.values), error instanceof ConflictError ? 409 : 400);
    }
  });

  const renderDetail = async (c: Context<AdminEnv>, row: VersionedIntegration, form: EditFormState | undefined, status: 200 | 400 | 409) => {
    const session = currentSession(c);
    // After a refused save the form keeps the version it was filled from, so fixing a typo cannot
    // quietly adopt someone else's newer change; otherwise it is the version of the values shown.
    const version = form?.version ?? row.version;
    // Undefined for a connector this process does not offer (a rolling upgrade, a removed connector):
    // the page still shows runs and tasks and lets the integration be paused or deleted.
    const connector = hub.connectors.get(row.connector);
    const info = connector ? describeConnector(connector) : undefined;
    const health = (await integrationHealth(hub, [row])).get(row.id);
    if (!health) throw new NotFoundError('integration');
    const overview = { health, displayed: displayedHealth(health) };
    const [recentRuns, tasks, notice] = await Promise.all([
      hub.db.selectFrom('integration_runs').selectAll().where('tenant_id', '=', session.tenant.id).where('integration_id', '=', row.id).orderBy('queued_at', 'desc').limit(10).execute(),
      // Filtered in SQL: among the newest tasks of a flapping integration, all may be resolved ones.
      listTasks(hub.db, session.tenant.id, { status: 'unresolved', integrationId: row.id, limit: 20 }),
      checkNotice(hub, row, c.req.query('check')),
    ]);
    const configure = can(session, 'admin');
    const view = {
      row,
      connector: info,
      health: overview.health,
      displayed: overview.displayed,
      webhookUrl: info?.webhook ? `${hub.config.HUB_PUBLIC_URL?.replace(/\/$/, '') ?? ''}/hooks/${row.id}` : null,
      recentRuns,
      openTasks: tasks,
      csrf: session.csrfToken,
      can: { operate: can(session, 'operator'), configure },
      now: hub.clock(),
      ...(configure && info
        ? {
            form: {
              mode: 'edit' as const,
              connector: info,
              action: `/admin/integrations/${row.id}`,
              csrf: session.csrfToken,
              values: form?.values ?? valuesOf(row),
              errors: form?.errors ?? [],
              credentials: { set: row.credentials_ciphertext !== null, hint: row.credentials_hint },
              cancelHref: `/admin/integrations/${row.id}`,
              version,
            },
          }
        : {}),
    };
    return renderPage(
      c,
      hub,
      {
        title: row.name,
        heading: html`${row.name} ${healthBadge(overview.displayed)} ${environmentTag(row.environment)}`,
        section: 'integrations',
        crumbs: [{ href: '/admin/integrations', label: 'Integrations' }, { label: row.name }],
        actions: integrationActions(view),
        ...(notice ? { notice } : form ? { notice: form.notice ?? NOT_SAVED } : {}),
        body: IntegrationDetailPage(view),
      },
      status,
    );
  };

  app.get('/integrations/:id', async (c) => {
    const session = currentSession(c);
    const row = await requireVersionedIntegration(hub, session.tenant.id, idParam(c, 'integration'));
    return renderDetail(c, row, undefined, 200);
  });

  app.post('/integrations/:id', async (c) => {
    const session = requireRole(c, 'admin');
    const row = await requireVersionedIntegration(hub, session.tenant.id, idParam(c, 'integration'));
    const { connector, info } = connectorOf(hub, row.connector);
    const form = await formOf(c);
    // Forms rendered before the version field existed, and scripted posts, carry none: saved as before.
    const version = form['updated_at'];
    const submitted = readIntegrationForm('edit', info, connector, form, row);
    if (!submitted.ok) return renderDetail(c, row, { errors: submitted.errors, values: submitted.values, version }, 400);
    const request = keepExpiryTime(row, submitted.request as UpdateIntegrationRequest);
    try {
      if (version !== undefined && !Timestamp.safeParse(version).success) throw new IntegrationChangedError();
      await updateIntegration(hub, session.principal, row.id, request, c.get('requestId'), { expectedUpdatedAt: version });
    } catch (error) {
      if (error instanceof IntegrationChangedError) {
        // Start again from what is stored now: the other change is shown, ours is to be redone.
        const current = await requireVersionedIntegration(hub, session.tenant.id, row.id);
        return renderDetail(c, current, { errors: [], values: valuesOf(current), notice: CHANGED_MEANWHILE }, 409);
      }
      const fields = fieldErrorsOf(error);
      if (!fields) throw error;
      return renderDetail(c, row, { errors: withCredentialsReminder(fields, submitted.values), values: submitted.values, version }, error instanceof ConflictError ? 409 : 400);
    }
    return c.redirect(`/admin/integrations/${row.id}?notice=saved`, 303);
  });
}

/**
 * The form edits the expiry by the day: the same day as stored keeps the stored time, so saving
 * other fields neither moves the expiry nor starts its reminders over. With new credentials the
 * date is sent (the stored instant): new credentials left without one would have no expiry.
 */
function keepExpiryTime(row: IntegrationConfigRow, request: UpdateIntegrationRequest): UpdateIntegrationRequest {
  const stored = row.credentials_expires_at;
  const submitted = request.credentialsExpiresAt;
  if (!stored || !submitted || new Date(submitted).toISOString().slice(0, 10) !== stored.toISOString().slice(0, 10)) return request;
  if (request.credentials !== undefined) return { ...request, credentialsExpiresAt: stored.toISOString() };
  const { credentialsExpiresAt: _unchanged, ...rest } = request;
  return rest;
}

/** Field errors to show in the form, or undefined when the error is not about the input. */
function fieldErrorsOf(error: unknown): FieldError[] | undefined {
  if (error instanceof RotationApprovalRequiredError) {
    return [{
      path: 'body.credentials',
      message: `This workspace requires a second admin to approve new credentials, so they were not replaced. Leave the credential fields blank here and use Rotate credentials (/admin/integrations/${error.integrationId}/credentials) to request the change.`,
    }];
  }
  if (error instanceof ValidationError) return error.fields ?? [{ path: 'body', message: error.message }];
  if (error instanceof ConflictError) return [{ path: 'body.name', message: error.message }];
  return undefined;
}
