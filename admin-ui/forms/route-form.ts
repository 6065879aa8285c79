import type { FieldError } from '../../core/http/api-error.ts';
import type { RouteRow } from '../../core/db/database.types.ts';
import type { RouteFilter } from '../../core/routes/route.filter.ts';
import { CreateRouteRequest, UpdateRouteRequest } from '../../schemas/api/route.schema.ts';
import { sameText } from '../components/shown-text.ts';
import { parseFormRequest } from './form-request.ts';

/** What the route form shows: the JSON parts as the text the user typed. */
export interface RouteFormValues {
  name: string;
  sourceIntegrationId: string;
  connector: string;
  eventType: string;
  fields: string;
  targetIntegrationId: string;
  action: string;
  inputTemplate: string;
  enabled: boolean;
}

export type SubmittedRoute =
  | { ok: true; request: CreateRouteRequest | UpdateRouteRequest; values: RouteFormValues }
  | { ok: false; errors: FieldError[]; values: RouteFormValues };

export const EMPTY_ROUTE: RouteFormValues = {
  name: '',
  sourceIntegrationId: '',
  connector: '',
  eventType: '',
  fields: '',
  targetIntegrationId: '',
  action: '',
  inputTemplate: '',
  enabled: true,
};

export function routeValuesOf(row: RouteRow): RouteFormValues {
  const filter = (row.filter ?? {}) as RouteFilter;
  const template = (row.input_template ?? {}) as Record<string, unknown>;
  return {
    name: row.name,
    sourceIntegrationId: filter.sourceIntegrationId ?? '',
    connector: filter.connector ?? '',
    eventType: filter.eventType ?? '',
    fields: filter.fields && Object.keys(filter.fields).length > 0 ? JSON.stringify(filter.fields, null, 2) : '',
    targetIntegrationId: row.target_integration_id,
    action: row.action,
    inputTemplate: Object.keys(template).length > 0 ? JSON.stringify(template, null, 2) : '',
    enabled: row.enabled,
  };
}

/** A JSON object typed into a textarea; empty means none. */
function jsonObject(text: string, path: string, errors: FieldError[]): Record<string, unknown> | undefined {
  if (text === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    errors.push({ path, message: `not valid JSON: ${(error as Error).message}` });
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    errors.push({ path, message: 'enter a JSON object, e.g. {"key": "value"}' });
    return undefined;
  }
  return value as Record<string, unknown>;
}

/**
 * Reads the route form into the request the JSON API takes and validates it as the API does,
 * collecting every problem with the API's field paths (`body.filter.fields`). The service checks
 * the target integration and its action afterwards. In an edit form (`stored`: the route it was
 * filled from), a part sent back as it was shown is left out of the request, so the route keeps it
 * exactly as stored (spaces, line breaks, an empty field filter) rather than as the text reads back.
 */
export function readRouteForm(mode: 'create' | 'edit', form: Readonly<Record<string, string>>, stored?: RouteRow): SubmittedRoute {
  const shown = stored ? routeValuesOf(stored) : undefined;
  const same = (name: TextField) => shown !== undefined && sameText(form[name], shown[name]);
  const text = (name: TextField) => (shown && same(name) ? shown[name] : (form[name] ?? '').trim());
  const values: RouteFormValues = {
    name: text('name'),
    sourceIntegrationId: text('sourceIntegrationId'),
    connector: text('connector'),
    eventType: text('eventType'),
    fields: text('fields'),
    targetIntegrationId: text('targetIntegrationId'),
    action: text('action'),
    inputTemplate: text('inputTemplate'),
    enabled: form['enabled'] === 'true',
  };
  const errors: FieldError[] = [];
  if (values.name === '') errors.push({ path: 'body.name', message: 'enter a name for this route' });
  if (values.targetIntegrationId === '') errors.push({ path: 'body.targetIntegrationId', message: 'choose the integration whose action runs' });
  if (values.action === '') errors.push({ path: 'body.action', message: 'enter the action to run' });
  const storedFilter = (stored?.filter ?? {}) as RouteFilter;
  const fields = same('fields') ? storedFilter.fields : jsonObject(values.fields, 'body.filter.fields', errors);
  const inputTemplate = jsonObject(values.inputTemplate, 'body.inputTemplate', errors);
  const part = <T>(name: TextField, kept: T | undefined, typed: string) => (same(name) ? kept : typed || undefined);
  const filter = definedOnly({
    sourceIntegrationId: part('sourceIntegrationId', storedFilter.sourceIntegrationId, values.sourceIntegrationId),
    connector: part('connector', storedFilter.connector, values.connector),
    eventType: part('eventType', storedFilter.eventType, values.eventType),
    fields,
  });
  const unchangedFilter = FILTER_FIELDS.every(same);
  const body = {
    ...(same('name') ? {} : { name: values.name }),
    ...(unchangedFilter ? {} : { filter }),
    ...(same('targetIntegrationId') ? {} : { targetIntegrationId: values.targetIntegrationId }),
    ...(same('action') ? {} : { action: values.action }),
    ...(same('inputTemplate') ? {} : { inputTemplate: inputTemplate ?? {} }),
    enabled: values.enabled,
  };
  const parsed = parseFormRequest(mode === 'create' ? CreateRouteRequest : UpdateRouteRequest, body);
  // The friendlier messages above win over zod's for the same field.
  const explained = new Set(errors.map((error) => error.path));
  if (!parsed.ok) errors.push(...parsed.errors.filter((error) => ![...explained].some((path) => error.path === path || error.path.startsWith(`${path}.`))));
  if (errors.length > 0 || !parsed.ok) return { ok: false, errors, values };
  return { ok: true, request: parsed.data, values };
}

type TextField = Exclude<keyof RouteFormValues, 'enabled'>;
const FILTER_FIELDS: readonly TextField[] = ['sourceIntegrationId', 'connector', 'eventType', 'fields'];

function definedOnly<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined)) as Partial<T>;
}
