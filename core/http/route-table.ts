import { apiTokenRoutes } from '../auth/api-token.routes.ts';
import { auditRoutes } from '../audit/audit.routes.ts';
import { healthRoutes } from '../health/health.routes.ts';
import { chatLinkRoutes } from '../chatops/chat-links.routes.ts';
import { connectorRoutes } from '../connectors/connector.catalog.ts';
import { eventRoutes } from '../events/event.routes.ts';
import { integrationRoutes } from '../integrations/integration.routes.ts';
import { routeRoutes } from '../routes/route.routes.ts';
import { runRoutes } from '../runs/run.routes.ts';
import { taskRoutes } from '../tasks/task.routes.ts';
import { tenantSettingsRoutes } from '../tenancy/tenant-settings.routes.ts';
import { credentialRoutes } from '../vault/credential.routes.ts';
import { buildOpenApiDocument } from './openapi.ts';
import { defineRoute, type AnyRoute } from './route.ts';
import { OpenApiDocument } from '../../schemas/api/openapi.schema.ts';

// Every JSON API route of the hub, each with its role rule. A test walks this table and checks
// 401/403/404 for every entry, so a route added here without the right rule fails it.

const moduleRoutes: AnyRoute[] = [
  ...healthRoutes,
  ...connectorRoutes,
  ...integrationRoutes,
  ...credentialRoutes,
  ...runRoutes,
  ...eventRoutes,
  ...routeRoutes,
  ...taskRoutes,
  ...apiTokenRoutes,
  ...auditRoutes,
  ...tenantSettingsRoutes,
  ...chatLinkRoutes,
];

const openApiRoute = defineRoute({
  method: 'get',
  path: '/api/openapi.json',
  summary: 'This API as an OpenAPI 3.1 document',
  tag: 'system',
  access: 'public',
  responses: { 200: { description: 'the OpenAPI document', schema: OpenApiDocument } },
  async handler() {
    return { status: 200, body: openApiDocument() };
  },
});

export const routeTable: readonly AnyRoute[] = [...moduleRoutes, openApiRoute];

let cachedDocument: Record<string, unknown> | undefined;
function openApiDocument(): Record<string, unknown> {
  cachedDocument ??= buildOpenApiDocument(routeTable);
  return cachedDocument;
}
