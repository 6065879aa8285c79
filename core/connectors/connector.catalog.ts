import { z } from 'zod';
import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import type { ConnectorInfo } from '../../schemas/api/connector.schema.ts';
import { defineRoute } from '../http/route.ts';
import { ConnectorCatalog } from '../../schemas/api/connector.schema.ts';

/** A config, credentials or action input schema as the catalog publishes it (JSON Schema of the input side). */
export function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

export function describeConnector(connector: AnyConnector): ConnectorInfo {
  return {
    id: connector.id,
    displayName: connector.displayName,
    description: connector.description,
    auth: connector.auth as Array<Record<string, unknown>>,
    configSchema: jsonSchema(connector.config),
    credentialsSchema: jsonSchema(connector.credentials),
    streams: Object.entries(connector.streams).map(([name, stream]) => ({
      name,
      description: stream.description,
      defaultIntervalSeconds: stream.defaultIntervalSeconds,
    })),
    actions: Object.entries(connector.actions ?? {}).map(([name, action]) => ({
      name,
      description: action.description,
      inputSchema: jsonSchema(action.input),
    })),
    webhook: connector.webhook !== undefined,
  };
}

export const connectorRoutes = [
  defineRoute({
    method: 'get', path: '/api/connectors', summary: 'The connector catalog: config and credential JSON Schemas, auth kinds, streams, actions', tag: 'connectors',
    access: 'viewer', responses: { 200: { description: 'catalog', schema: ConnectorCatalog } },
    async handler(_input, { hub }) {
      return { status: 200, body: { connectors: hub.connectors.list().map(describeConnector) } };
    },
  }),
];
