import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import { ValidationError, type FieldError } from '../http/api-error.ts';
import { zodFieldErrors } from '../http/zod-fields.ts';
import type { ConnectorRegistry } from '../connectors/connector-registry.ts';

export function requireConnector(registry: ConnectorRegistry, id: string): AnyConnector {
  const connector = registry.get(id);
  if (!connector) {
    const known = registry.list().map((c) => c.id).join(', ');
    throw new ValidationError(`unknown connector "${id}"`, [{ path: 'body.connector', message: `expected one of: ${known}` }]);
  }
  return connector;
}

export interface ValidatedParts {
  config?: Record<string, unknown>;
  credentials?: unknown;
}

/** Checks config and credentials against the connector's schemas, collecting every field error. */
export function validateAgainstConnector(
  connector: AnyConnector,
  input: { config?: unknown; credentials?: unknown; schedules?: Record<string, unknown> | undefined },
): ValidatedParts {
  const fields: FieldError[] = [];
  const parts: ValidatedParts = {};
  if (input.config !== undefined) {
    const config = connector.config.safeParse(input.config);
    if (config.success) {
      parts.config = config.data as Record<string, unknown>;
      const onSave = connector.configOnSave?.safeParse(config.data);
      if (onSave && !onSave.success) fields.push(...zodFieldErrors(onSave.error, 'body.config'));
    } else fields.push(...zodFieldErrors(config.error, 'body.config'));
  }
  if (input.credentials !== undefined) {
    const credentials = connector.credentials.safeParse(input.credentials);
    if (credentials.success) parts.credentials = credentials.data;
    else fields.push(...zodFieldErrors(credentials.error, 'body.credentials'));
  }
  for (const stream of Object.keys(input.schedules ?? {})) {
    // Own keys only: `in` would take "constructor" or "toString" for streams.
    if (!Object.hasOwn(connector.streams, stream)) {
      fields.push({ path: `body.schedules.${stream}`, message: `${connector.id} has no stream "${stream}"; streams: ${Object.keys(connector.streams).join(', ')}` });
    }
  }
  if (fields.length > 0) {
    throw new ValidationError(`invalid integration: ${fields.map((f) => `${f.path} ${f.message}`).join('; ')}`, fields);
  }
  return parts;
}
