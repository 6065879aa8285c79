import { NotFoundError } from '../http/api-error.ts';
import { defineRoute } from '../http/route.ts';
import { ErrorResponse, IdParams } from '../../schemas/api/common.schema.ts';
import { ApiToken, ApiTokenList, CreateApiTokenRequest, CreatedApiToken } from '../../schemas/api/token.schema.ts';
import { toApiToken } from './api-token.mapper.ts';
import { findApiToken, listApiTokens } from './api-token.repository.ts';
import { issueApiToken, revokeApiTokenAs } from './api-token.service.ts';

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
      const { token, row } = await issueApiToken(hub, principal, body, requestId);
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
      const row = await revokeApiTokenAs(hub, principal, params.id, requestId);
      return { status: 200, body: toApiToken(row) };
    },
  }),
];
