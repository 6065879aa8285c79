import { auditAs } from '../audit/audit-as.ts';
import { NotFoundError, ValidationError } from '../http/api-error.ts';
import { defineRoute } from '../http/route.ts';
import { ErrorResponse, IdParams } from '../../schemas/api/common.schema.ts';
import { ApiToken, ApiTokenList, CreateApiTokenRequest, CreatedApiToken } from '../../schemas/api/token.schema.ts';
import { toApiToken } from './api-token.mapper.ts';
import { findApiToken, listApiTokens, revokeApiToken } from './api-token.repository.ts';
import { createApiToken } from './api-token.service.ts';

export const apiTokenRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/tokens',
    summary: 'List API tokens of the tenant (never the token values)',
    tag: 'tokens',
    access: 'admin',
    responses: { 200: { description: 'tokens', schema: ApiTokenList } },
    async handler(_input, { hub, principal }) {
      const rows = await listApiTokens(hub.db, principal.tenantId);
      return { status: 200, body: { tokens: rows.map(toApiToken) } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/tokens',
    summary: 'Create an API token; the token is in this response only',
    tag: 'tokens',
    access: 'admin',
    body: CreateApiTokenRequest,
    responses: { 201: { description: 'created', schema: CreatedApiToken } },
    async handler({ body }, { hub, principal, requestId }) {
      // Checked here, not in the schema, because "now" is the hub's clock.
      if (body.expiresAt && Date.parse(body.expiresAt) <= hub.clock().getTime()) {
        throw new ValidationError('invalid body: body.expiresAt must be in the future', [{ path: 'body.expiresAt', message: 'must be in the future' }]);
      }
      const { token, row } = await createApiToken(hub.db, {
        tenantId: principal.tenantId,
        role: body.role,
        name: body.name,
        createdBy: principal.label,
        // A token made with a token (or by a user) acts for the same person: a second token must
        // not make its maker a second admin for four eyes.
        person: principal.person,
        expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined,
      });
      await auditAs(hub.db, principal, requestId, {
        action: 'token.created',
        targetType: 'api_token',
        targetId: row.id,
        detail: { name: row.name, role: row.role },
      });
      return { status: 201, body: { ...toApiToken(row), token } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/tokens/:id',
    summary: 'Get one API token',
    tag: 'tokens',
    access: 'admin',
    resource: 'api_token',
    params: IdParams,
    responses: { 200: { description: 'token', schema: ApiToken }, 404: { description: 'not found', schema: ErrorResponse } },
    async handler({ params }, { hub, principal }) {
      const row = await findApiToken(hub.db, principal.tenantId, params.id);
      if (!row) throw new NotFoundError('token');
      return { status: 200, body: toApiToken(row) };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/tokens/:id',
    summary: 'Revoke an API token; it stops working at once',
    tag: 'tokens',
    access: 'admin',
    resource: 'api_token',
    params: IdParams,
    responses: { 200: { description: 'revoked', schema: ApiToken }, 404: { description: 'not found', schema: ErrorResponse } },
    async handler({ params }, { hub, principal, requestId }) {
      const row = await revokeApiToken(hub.db, principal.tenantId, params.id, hub.clock());
      if (!row) throw new NotFoundError('active token');
      await auditAs(hub.db, principal, requestId, {
        action: 'token.revoked',
        targetType: 'api_token',
        targetId: row.id,
        detail: { name: row.name },
      });
      return { status: 200, body: toApiToken(row) };
    },
  }),
];
