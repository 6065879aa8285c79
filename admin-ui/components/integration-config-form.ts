import type { FieldError } from '../../core/http/api-error.ts';
import type { ConnectorInfo } from '../../schemas/api/connector.schema.ts';
import { html, nothing, when, type Html } from '../html.ts';
import { csrfField } from './csrf-field.ts';
import { errorsByPath, errorSummary } from './error-summary.ts';
import type { JsonSchema } from './json-schema.ts';
import { scheduleFields } from './schedule-fields.ts';
import { hasLineBreak } from './shown-text.ts';
import { renderSchemaFields, type RenderedField, type SchemaFormState } from './schema-form.ts';

export interface IntegrationFormValues {
  name: string;
  environment: 'staging' | 'production';
  enabled: boolean;
  config: Record<string, unknown>;
  schedules: Record<string, unknown>;
  /** yyyy-mm-dd */
  credentialsExpiresOn: string;
  /** Credentials typed into a refused form: rendered write-only, so only the chosen kind (auth type) shows. */
  credentials?: unknown;
}

/**
 * Marks a form shown again after a refusal that had credentials typed: sent back with none, it is
 * refused with a reminder instead of saving without them.
 */
export const CREDENTIALS_RETYPE_FIELD = 'credentialsRetype';

export interface IntegrationConfigFormProps {
  mode: 'create' | 'edit';
  connector: ConnectorInfo;
  action: string;
  csrf: string;
  values: IntegrationFormValues;
  errors: readonly FieldError[];
  credentials: { set: boolean; hint: string | null };
  cancelHref: string;
  /** Edit only: the integration's `updated_at` the form was filled from, so a save cannot undo a newer change. */
  version?: string | undefined;
}

// A name stored through the API with a line break would lose it in a one-line input.
function nameControl(name: string, aria: Html): Html {
  if (hasLineBreak(name)) return html`<textarea id="f-name" name="name" class="input" rows="2" required maxlength="100"${aria}>
${name}</textarea>`;
  return html`<input id="f-name" name="name" type="text" class="input" required maxlength="100" value="${name}"${aria}>`;
}

function generalFields(values: IntegrationFormValues, errors: ReadonlyMap<string, string[]>, rendered: Map<string, RenderedField>): Html {
  rendered.set('name', { id: 'f-name', label: 'Name' });
  rendered.set('environment', { id: 'f-environment-production', label: 'Environment' });
  const nameErrors = errors.get('name') ?? [];
  const envErrors = errors.get('environment') ?? [];
  const radio = (value: 'production' | 'staging', label: string, hint: string) =>
    html`<div class="field field--checkbox"><input type="radio" id="f-environment-${value}" name="environment" value="${value}"${
      values.environment === value ? html` checked` : nothing
    }><label for="f-environment-${value}">${label}</label><p class="hint">${hint}</p></div>`;
  return html`<div class="field${nameErrors.length > 0 ? ' field--error' : ''}">
  <label for="f-name">Name</label>
  <p class="hint" id="f-name-hint">Unique within the environment, e.g. "ServiceNow production".</p>
  ${nameErrors.length > 0 ? html`<p class="field-error" id="f-name-error"><span class="visually-hidden">Error: </span>${nameErrors.join('; ')}</p>` : nothing}
  ${nameControl(values.name, html` aria-describedby="f-name-hint${nameErrors.length > 0 ? ' f-name-error' : ''}"${nameErrors.length > 0 ? html` aria-invalid="true"` : nothing}`)}
</div>
<fieldset class="fieldset${envErrors.length > 0 ? ' field--error' : ''}"><legend>Environment</legend>
  ${envErrors.length > 0 ? html`<p class="field-error"><span class="visually-hidden">Error: </span>${envErrors.join('; ')}</p>` : nothing}
  ${radio('production', 'Production', 'Live systems; failures alert the on-call channel.')}
  ${radio('staging', 'Staging', 'Test instances; kept apart from production in health and routes.')}
</fieldset>
<div class="field field--checkbox">
  <input type="hidden" name="enabled" value="false"><input type="checkbox" id="f-enabled" name="enabled" value="true"${values.enabled ? html` checked` : nothing} aria-describedby="f-enabled-hint">
  <label for="f-enabled">Enabled</label>
  <p class="hint" id="f-enabled-hint">Disabled integrations are not polled on schedule and show as paused.</p>
</div>`;
}

function expiryField(value: string, errors: ReadonlyMap<string, string[]>, rendered: Map<string, RenderedField>): Html {
  rendered.set('credentialsExpiresAt', { id: 'f-credentialsExpiresAt', label: 'Credentials expire on' });
  const messages = errors.get('credentialsExpiresAt') ?? [];
  return html`<div class="field${messages.length > 0 ? ' field--error' : ''}">
  <label for="f-credentialsExpiresAt">Credentials expire on <span class="optional">(optional)</span></label>
  <p class="hint" id="f-credentialsExpiresAt-hint">The hub reminds you 14, 7 and 1 days before. Leave empty if the secret does not expire.</p>
  ${messages.length > 0 ? html`<p class="field-error"><span class="visually-hidden">Error: </span>${messages.join('; ')}</p>` : nothing}
  <input id="f-credentialsExpiresAt" name="credentialsExpiresOn" type="date" class="input input--short" value="${value}" aria-describedby="f-credentialsExpiresAt-hint">
</div>`;
}

/** The whole configuration of an integration, generated from the connector's JSON Schemas. */
export function IntegrationConfigForm(props: IntegrationConfigFormProps): Html {
  const errors = errorsByPath(props.errors);
  const rendered = new Map<string, RenderedField>();
  const configState: SchemaFormState = { errors, writeOnly: false, rendered };
  const credentialsState: SchemaFormState = { errors, writeOnly: true, rendered };
  // Fields first, so the summary knows which errors have a field to link to.
  const general = generalFields(props.values, errors, rendered);
  const config = renderSchemaFields(props.connector.configSchema as JsonSchema, 'config', props.values.config, configState);
  const credentials = renderSchemaFields(props.connector.credentialsSchema as JsonSchema, 'credentials', props.values.credentials, credentialsState);
  rendered.set('credentials', { id: 'section-credentials', label: 'Credentials' });
  const credentialErrors = errors.get('credentials') ?? [];
  const credentialsError = credentialErrors.length > 0 ? html`<p class="field-error"><span class="visually-hidden">Error: </span>${credentialErrors.join('; ')}</p>` : nothing;
  const expiry = expiryField(props.values.credentialsExpiresOn, errors, rendered);
  const schedules = scheduleFields(props.connector.streams, props.values.schedules, errors, rendered);
  const stored =
    props.mode === 'edit' && props.credentials.set
      ? html`<p class="notice notice--info">Stored credentials: <strong>${props.credentials.hint ?? 'set'}</strong>. They are write-only and never shown. Leave these fields blank to keep them. To replace them, fill in the complete set here — or use <a href="${props.cancelHref}/credentials">Rotate credentials</a> to validate a new secret before it replaces the old one.</p>`
      : html`<p class="hint">Stored encrypted (AES-256-GCM) and never shown again, not even to admins.</p>`;

  return html`${errorSummary(props.errors, rendered)}
<form method="post" action="${props.action}" class="form integration-form" novalidate>
  ${csrfField(props.csrf)}
  ${props.version === undefined ? nothing : html`<input type="hidden" name="updated_at" value="${props.version}">`}
  ${props.values.credentials === undefined ? nothing : html`<input type="hidden" name="${CREDENTIALS_RETYPE_FIELD}" value="true">`}
  <section class="form-section" aria-labelledby="section-general"><h2 id="section-general">General</h2>${general}</section>
  <section class="form-section" aria-labelledby="section-connection"><h2 id="section-connection">Connection</h2>
    <p class="hint">Settings of the ${props.connector.displayName} connector.</p>${config}</section>
  <section class="form-section" aria-labelledby="section-credentials"><h2 id="section-credentials">Credentials</h2>${credentialsError}${stored}${credentials}${expiry}</section>
  <section class="form-section" aria-labelledby="section-schedule"><h2 id="section-schedule">Schedule</h2>
    <p class="hint">How often each stream is polled. Webhooks, when configured, arrive in between.</p>${schedules}</section>
  <div class="form-actions">
    <button type="submit" class="button button--primary">${props.mode === 'create' ? 'Create integration' : 'Save changes'}</button>
    <a class="button button--quiet" href="${props.cancelHref}">Cancel</a>
    ${when(props.mode === 'create', () => html`<span class="hint">You can run a connection check right after creating it.</span>`)}
  </div>
</form>`;
}
