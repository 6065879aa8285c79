import type { Context, Hono } from 'hono';
import { auditAs } from '../../core/audit/audit-as.ts';
import { describeConnector } from '../../core/connectors/connector.catalog.ts';
import type { IntegrationConfigRow } from '../../core/db/database.types.ts';
import { ValidationError, type FieldError } from '../../core/http/api-error.ts';
import { openCredentials } from '../../core/integrations/integration-credentials.ts';
import { requireIntegration } from '../../core/integrations/integration.service.ts';
import type { HubContext } from '../../core/server/hub-context.ts';
import { tenantSettings } from '../../core/tenancy/tenant-settings.ts';
import { approveRotation, isRequester, listCredentialAudit, listRotations, rejectRotation, requestRotation } from '../../core/vault/credential-rotation.service.ts';
import { revokePreviousCredentials } from '../../core/vault/previous-credentials.revoke.ts';
import { previousCredentialsUntil } from '../../core/integrations/previous-credentials.ts';
import { RotateCredentialsRequest } from '../../schemas/api/credential.schema.ts';
import type { AdminEnv } from '../admin-env.ts';
import { can, currentSession, requireRole } from '../auth/middleware.ts';
import type { CredentialRotationWizardProps, WizardStage } from '../components/credential-rotation-wizard.ts';
import type { JsonSchema } from '../components/json-schema.ts';
import { parseSchemaForm } from '../components/schema-form.parse.ts';
import { parseFormRequest } from '../forms/form-request.ts';
import { keptFieldLabels } from '../forms/kept-credentials.ts';
import { CredentialManagementPage } from '../pages/credentials.page.ts';
import { renderPage } from '../render.ts';
import { formOf, idParam } from './params.ts';

const STAGES: Record<string, WizardStage> = { rotation_applied: 'applied', rotation_pending: 'pending_approval' };

interface Attempt {
  stage: WizardStage;
  errors: FieldError[];
  checkFailure?: { code: string; message: string };
  reason: string;
  expiresOn: string;
}

/**
 * The stored credentials, decrypted, to carry fields over into a rotation; none when they cannot
 * be opened (a master key no longer configured), which is when a rotation is the way out.
 */
function storedCredentials(hub: HubContext, row: IntegrationConfigRow): unknown {
  try {
    return openCredentials(hub, row);
  } catch {
    return undefined;
  }
}

export function registerCredentialRoutes(app: Hono<AdminEnv>, hub: HubContext): void {
  const render = async (c: Context<AdminEnv>, row: IntegrationConfigRow, attempt: Attempt | undefined, status: 200 | 400 | 422) => {
    const session = currentSession(c);
    const connector = hub.connectors.get(row.connector);
    const admin = can(session, 'admin');
    const credentialsSchema = connector ? (describeConnector(connector).credentialsSchema as JsonSchema) : undefined;
    const [audit, rotations, settings] = await Promise.all([
      can(session, 'operator') ? listCredentialAudit(hub, session.tenant.id, row.id) : Promise.resolve(undefined),
      admin ? listRotations(hub, session.tenant.id, row.id) : Promise.resolve(undefined),
      tenantSettings(hub, session.tenant.id),
    ]);
    const wizard: CredentialRotationWizardProps | undefined =
      admin && connector
        ? {
            integrationId: row.id,
            connector: describeConnector(connector),
            keptFields: credentialsSchema ? keptFieldLabels(credentialsSchema, storedCredentials(hub, row)) : [],
            csrf: session.csrfToken,
            stage: attempt?.stage ?? STAGES[c.req.query('notice') ?? ''] ?? 'enter',
            approvalRequired: settings.requireRotationApproval,
            errors: attempt?.errors ?? [],
            checkFailure: attempt?.checkFailure,
            reason: attempt?.reason ?? '',
            expiresOn: attempt?.expiresOn ?? '',
          }
        : undefined;
    // Decided as approval decides it, so the page never offers an Approve button that answers 403.
    const ownRotations = new Set<string>();
    for (const rotation of rotations ?? []) {
      if (rotation.status === 'pending_approval' && (await isRequester(hub, rotation, session.principal))) ownRotations.add(rotation.id);
    }
    return renderPage(
      c,
      hub,
      {
        title: `Credentials · ${row.name}`,
        heading: `Credentials of ${row.name}`,
        section: 'integrations',
        crumbs: [{ href: '/admin/integrations', label: 'Integrations' }, { href: `/admin/integrations/${row.id}`, label: row.name }, { label: 'Credentials' }],
        body: CredentialManagementPage({ row, audit, rotations, wizard, ownRotations, csrf: session.csrfToken, now: hub.clock(), admin, replacedSecretUntil: previousCredentialsUntil(hub, row) }),
      },
      status,
    );
  };

  app.get('/integrations/:id/credentials', async (c) => {
    const session = currentSession(c);
    return render(c, await requireIntegration(hub, session.tenant.id, idParam(c, 'integration')), undefined, 200);
  });

  app.post('/integrations/:id/credentials/rotate', async (c) => {
    const session = requireRole(c, 'admin');
    const row = await requireIntegration(hub, session.tenant.id, idParam(c, 'integration'));
    const connector = hub.connectors.get(row.connector);
    const form = await formOf(c);
    const reason = (form['reason'] ?? '').trim();
    const expiresOn = (form['expiresOn'] ?? '').trim();
    const attempt = (stage: WizardStage, errors: FieldError[], checkFailure?: { code: string; message: string }): Attempt => ({
      stage, errors, reason, expiresOn, ...(checkFailure ? { checkFailure } : {}),
    });
    const schema = connector ? (describeConnector(connector).credentialsSchema as JsonSchema) : undefined;
    // Optional fields left blank keep their stored values: the rotation keeps them (kept-credentials.ts).
    const credentials = schema ? parseSchemaForm(schema, 'credentials', form).value : {};
    const errors: FieldError[] = [];
    if (expiresOn !== '' && !/^\d{4}-\d{2}-\d{2}$/.test(expiresOn)) errors.push({ path: 'body.expiresAt', message: 'enter a date as YYYY-MM-DD' });
    const parsed = parseFormRequest(RotateCredentialsRequest, {
      credentials,
      ...(reason ? { reason } : {}),
      ...(/^\d{4}-\d{2}-\d{2}$/.test(expiresOn) ? { expiresAt: `${expiresOn}T00:00:00.000Z` } : {}),
    });
    if (!parsed.ok) errors.push(...parsed.errors);
    if (errors.length > 0 || !parsed.ok) return render(c, row, attempt('enter', errors), 400);

    let outcome;
    try {
      outcome = await requestRotation(hub, session.principal, row.id, parsed.data, c.get('requestId'));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return render(c, row, attempt('enter', error.fields ?? [{ path: 'body.credentials', message: error.message }]), 400);
    }
    await auditAs(hub.db, session.principal, c.get('requestId'), {
      action: `credentials.${outcome.status}`,
      targetType: 'integration',
      targetId: row.id,
      detail: { reason: parsed.data.reason ?? null },
    });
    if (outcome.status === 'check_failed') {
      const failure = outcome.check.error;
      return render(c, row, attempt('check_failed', [], { code: failure?.code ?? 'unknown', message: failure?.message ?? 'the check failed' }), 422);
    }
    return c.redirect(`/admin/integrations/${row.id}/credentials?notice=${outcome.status === 'applied' ? 'rotation_applied' : 'rotation_pending'}`, 303);
  });

  app.post('/integrations/:id/credentials/previous/revoke', async (c) => {
    const session = requireRole(c, 'admin');
    const id = idParam(c, 'integration');
    await revokePreviousCredentials(hub, session.principal, id, c.get('requestId'));
    return c.redirect(`/admin/integrations/${id}/credentials?notice=previous_revoked`, 303);
  });

  for (const [path, decide, action] of [
    ['approve', approveRotation, 'rotation_approved'],
    ['reject', rejectRotation, 'rotation_rejected'],
  ] as const) {
    app.post(`/integrations/:id/credentials/rotations/:rid/${path}`, async (c) => {
      const session = requireRole(c, 'admin');
      const id = idParam(c, 'integration');
      const rotation = await decide(hub, session.principal, id, idParam(c, 'rotation', 'rid'), c.get('requestId'));
      await auditAs(hub.db, session.principal, c.get('requestId'), { action: `credentials.${action}`, targetType: 'integration', targetId: id, detail: { rotationId: rotation.id } });
      return c.redirect(`/admin/integrations/${id}/credentials?notice=${path === 'approve' ? 'rotation_applied' : 'rotation_rejected'}`, 303);
    });
  }
}
