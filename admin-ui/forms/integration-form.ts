import type { FieldError } from '../../core/http/api-error.ts';
import { ValidationError } from '../../core/http/api-error.ts';
import { validateAgainstConnector } from '../../core/integrations/integration.validation.ts';
import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import type { ConnectorInfo } from '../../schemas/api/connector.schema.ts';
import { CreateIntegrationRequest, UpdateIntegrationRequest } from '../../schemas/api/integration.schema.ts';
import { CREDENTIALS_RETYPE_FIELD, type IntegrationFormValues } from '../components/integration-config-form.ts';
import type { JsonSchema } from '../components/json-schema.ts';
import { parseSchedules } from '../components/schedule-fields.ts';
import { parseSchemaForm } from '../components/schema-form.parse.ts';
import { sameText } from '../components/shown-text.ts';
import { parseFormRequest } from './form-request.ts';

export type SubmittedIntegration =
  | { ok: true; request: CreateIntegrationRequest | UpdateIntegrationRequest; values: IntegrationFormValues }
  | { ok: false; errors: FieldError[]; values: IntegrationFormValues };

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** What an edit form was filled from: fields sent back as shown keep these values exactly. */
export interface StoredIntegration {
  name: string;
  config: Record<string, unknown>;
  schedules: Record<string, unknown>;
}

/**
 * Reads the integration form into the same request the JSON API takes and validates it the same
 * way — storable input, the request schema, then the connector's config and credential schemas —
 * collecting every problem at once, with the API's field paths (`body.config.instanceUrl`).
 */
export function readIntegrationForm(
  mode: 'create' | 'edit',
  info: ConnectorInfo,
  connector: AnyConnector,
  form: Readonly<Record<string, string>>,
  stored?: StoredIntegration,
): SubmittedIntegration {
  const config = parseSchemaForm(info.configSchema as JsonSchema, 'config', form, stored?.config).value;
  const credentials = parseSchemaForm(info.credentialsSchema as JsonSchema, 'credentials', form);
  const { schedules, errors, typed } = parseSchedules(info.streams, form, stored?.schedules);
  const name = stored && sameText(form['name'], stored.name) ? stored.name : (form['name'] ?? '').trim();
  const expiresOn = (form['credentialsExpiresOn'] ?? '').trim();
  if (expiresOn !== '' && !DATE.test(expiresOn)) errors.push({ path: 'body.credentialsExpiresAt', message: 'enter a date as YYYY-MM-DD' });
  if (name.trim() === '') errors.push({ path: 'body.name', message: 'enter a name for this integration' });
  const environment = form['environment'] === 'staging' ? 'staging' : 'production';
  const values: IntegrationFormValues = {
    name,
    environment,
    enabled: form['enabled'] === 'true',
    config,
    schedules: typed,
    credentialsExpiresOn: expiresOn,
    // Typed credentials, or none typed into a form shown again after a refusal that had them.
    ...(credentials.filled > 0 ? { credentials: credentials.value } : form[CREDENTIALS_RETYPE_FIELD] === 'true' ? { credentials: {} } : {}),
  };
  if (credentials.filled === 0 && form[CREDENTIALS_RETYPE_FIELD] === 'true') errors.push(credentialsReminder());

  const expiresAt = DATE.test(expiresOn) ? `${expiresOn}T00:00:00.000Z` : undefined;
  const body = {
    ...(mode === 'create' ? { connector: info.id } : {}),
    name: values.name,
    environment: form['environment'] ?? 'production',
    config,
    ...(credentials.filled > 0 ? { credentials: credentials.value } : {}),
    ...(expiresAt ? { credentialsExpiresAt: expiresAt } : mode === 'edit' && expiresOn === '' ? { credentialsExpiresAt: null } : {}),
    schedules,
    enabled: values.enabled,
  };
  const parsed = parseFormRequest(mode === 'create' ? CreateIntegrationRequest : UpdateIntegrationRequest, body);
  // The friendlier messages above win over zod's for the same field.
  const explained = new Set(errors.map((error) => error.path));
  if (!parsed.ok) errors.push(...parsed.errors.filter((error) => !explained.has(error.path)));
  if (parsed.ok || parsed.storable) {
    try {
      validateAgainstConnector(connector, { config, ...(credentials.filled > 0 ? { credentials: credentials.value } : {}), schedules: {} });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      errors.push(...(error.fields ?? []));
    }
  }
  if (errors.length > 0 || !parsed.ok) return { ok: false, errors: withCredentialsReminder(dedupe(errors), values), values };
  return { ok: true, request: parsed.data, values };
}

/**
 * Secrets typed into a refused form are not sent back to the browser, so the admin must type them
 * again; said on the credentials, or a resubmitted form would save without them, unnoticed.
 */
export function withCredentialsReminder(errors: FieldError[], values: IntegrationFormValues): FieldError[] {
  if (values.credentials === undefined || errors.some((error) => error.path === 'body.credentials')) return errors;
  return [...errors, credentialsReminder()];
}

function credentialsReminder(): FieldError {
  return {
    path: 'body.credentials',
    message: 'enter the credentials again: secrets typed into a form that was not saved are not kept (to keep the stored ones instead, open the integration again)',
  };
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((error) => {
    const key = `${error.path}\u0000${error.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
