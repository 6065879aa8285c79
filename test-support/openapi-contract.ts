// Checks an answer against the served OpenAPI document the way a generated client (or a response
// validator in front of the hub) would: the status must be declared for the operation, and the body
// must match its schema.

import { buildOpenApiDocument } from '../core/http/openapi.ts';
import { routeTable } from '../core/http/route-table.ts';

type Schema = Record<string, any>;

export const doc = buildOpenApiDocument(routeTable) as { paths: Record<string, Record<string, any>> };

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** A small JSON Schema (2020-12) validator for the keywords zod's toJSONSchema writes. */
export function validate(schema: Schema | boolean | undefined, value: unknown, at = '$'): string[] {
  if (schema === undefined || schema === true) return [];
  if (schema === false) return [`${at}: not allowed`];
  const problems: string[] = [];
  if (schema.anyOf) {
    const options = (schema.anyOf as Schema[]).map((option) => validate(option, value, at));
    if (!options.some((p) => p.length === 0)) problems.push(`${at}: matches no anyOf option (${options.map((p) => p[0]).join(' | ')})`);
  }
  if (schema.oneOf) {
    const ok = (schema.oneOf as Schema[]).filter((option) => validate(option, value, at).length === 0).length;
    if (ok !== 1) problems.push(`${at}: matches ${ok} oneOf options`);
  }
  if (schema.allOf) for (const part of schema.allOf as Schema[]) problems.push(...validate(part, value, at));
  const actual = typeOf(value);
  if (schema.type !== undefined) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    const fits = types.some((t) => t === actual || (t === 'number' && actual === 'integer'));
    if (!fits) return [...problems, `${at}: expected ${types.join('|')}, got ${actual} (${JSON.stringify(value)?.slice(0, 80)})`];
  }
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) problems.push(`${at}: expected const ${JSON.stringify(schema.const)}`);
  if (schema.enum && !(schema.enum as unknown[]).some((e) => JSON.stringify(e) === JSON.stringify(value))) problems.push(`${at}: ${JSON.stringify(value)} not in enum ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'string') {
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) problems.push(`${at}: "${value.slice(0, 80)}" does not match pattern of format ${schema.format ?? '?'}`);
    if (schema.minLength !== undefined && [...value].length < schema.minLength) problems.push(`${at}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && [...value].length > schema.maxLength) problems.push(`${at}: longer than ${schema.maxLength}`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${at}: below minimum ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${at}: above maximum ${schema.maximum}`);
  }
  if (actual === 'array') {
    const items = value as unknown[];
    if (schema.items) items.forEach((item, i) => problems.push(...validate(schema.items, item, `${at}[${i}]`)));
  }
  if (actual === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of schema.required ?? []) if (!(key in object)) problems.push(`${at}: missing required "${key}"`);
    for (const [key, child] of Object.entries(object)) {
      if (key in properties) problems.push(...validate(properties[key], child, `${at}.${key}`));
      else if (schema.additionalProperties === false) problems.push(`${at}: property "${key}" not in the schema (additionalProperties: false)`);
      else if (typeof schema.additionalProperties === 'object') problems.push(...validate(schema.additionalProperties, child, `${at}.${key}`));
      if (schema.propertyNames) problems.push(...validate(schema.propertyNames, key, `${at}{key ${key}}`));
    }
  }
  return problems;
}

/** `/api/integrations/:id` as the document writes it. */
export const openApiPath = (routePath: string) => routePath.replace(/:(\w+)/g, '{$1}');

export interface Answer {
  status: number;
  body: unknown;
  contentType: string | null;
}

/** What a generated client would trip over in this answer to `METHOD /path/:template`. */
export function contractProblems(method: string, routePath: string, answer: Answer): string[] {
  const operation = doc.paths[openApiPath(routePath)]?.[method.toLowerCase()];
  const label = `${method.toUpperCase()} ${routePath} → ${answer.status}`;
  if (!operation) return [`${label}: operation not in the OpenAPI document`];
  const declared = operation.responses[String(answer.status)] ?? operation.responses.default;
  if (!declared) return [`${label}: status ${answer.status} not declared (declared: ${Object.keys(operation.responses).join(', ')}); body ${JSON.stringify(answer.body)?.slice(0, 200)}`];
  const schema = declared.content?.['application/json']?.schema;
  if (!schema) {
    if (answer.body !== undefined && answer.body !== '' && answer.body !== null) return [`${label}: declared without a body, but answered ${JSON.stringify(answer.body).slice(0, 120)}`];
    return [];
  }
  return validate(schema, answer.body).map((problem) => `${label}: ${problem}`);
}

export async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    /* kept as text */
  }
  return { status: response.status, body, contentType: response.headers.get('content-type') };
}
