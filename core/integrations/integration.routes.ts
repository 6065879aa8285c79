import { NotFoundError } from '../http/api-error.ts';
import { defineRoute } from '../http/route.ts';
import { ErrorResponse, IdParams } from '../../schemas/api/common.schema.ts';
import { Integration, IntegrationList, IntegrationListQuery } from '../../schemas/api/integration.schema.ts';
import { toIntegration } from './integration.mapper.ts';
import { findIntegration, listIntegrations } from './integration.repository.ts';

export const integrationRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/integrations',
    summary: 'List integrations of the tenant',
    tag: 'integrations',
    access: 'viewer',
    query: IntegrationListQuery,
    responses: { 200: { description: 'integrations', schema: IntegrationList } },
    async handler({ query }, { hub, principal }) {
      const rows = await listIntegrations(hub.db, principal.tenantId, query);
      return { status: 200, body: { integrations: rows.map(toIntegration) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/integrations/:id',
    summary: 'Get one integration (never its secrets)',
    tag: 'integrations',
    access: 'viewer',
    resource: 'integration',
    params: IdParams,
    responses: { 200: { description: 'integration', schema: Integration }, 404: { description: 'not found', schema: ErrorResponse } },
    async handler({ params }, { hub, principal }) {
      const row = await findIntegration(hub.db, principal.tenantId, params.id);
      if (!row) throw new NotFoundError('integration');
      return { status: 200, body: toIntegration(row) };
    },
  }),
];
