import { NotFoundError } from '../http/api-error.ts';
import { defineRoute } from '../http/route.ts';
import { ErrorResponse, IdParams } from '../../schemas/api/common.schema.ts';
import { ApiToken, ApiTokenList, ApiTokenListQuery, CreateApiTokenRequest, CreatedApiToken, RevokeApiTokenQuery, RevokedApiToken } from '../../schemas/api/token.schema.ts';
import { toApiToken } from './api-token.mapper.ts';
import { findApiToken, listApiTokens } from './api-token.repository.ts';
import { issueApiToken, revokeApiTokenAs } from './api-token.service.ts';

export const apiTokenRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/tokens',
    summary: 'List API tokens of the tenant (never the token values), or those one token made',
    tag: 'tokens',
    access: 'admin',
    query: ApiTokenListQuery,
    responses: { 200: { description: 'tokens', schema: ApiTokenList } },
    async handler({ query }, { hub, principal }) {
      const rows = await listApiTokens(hub.db, principal.tenantId, { createdByTokenId: query.createdByTokenId });
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
    summary: 'Revoke an API token, and with withDescendants=true every token made from it; they stop working at once',
    tag: 'tokens',
    access: 'admin',
    resource: 'api_token',
    params: IdParams,
    query: RevokeApiTokenQuery,
    responses: {
      200: { description: 'revoked; the answer names every token revoked, and those made from it that still work', schema: RevokedApiToken },
      404: { description: 'no such token, or nothing of what was asked left to revoke', schema: ErrorResponse },
    },
    async handler({ params, query }, { hub, principal, requestId }) {
      const revocation = await revokeApiTokenAs(hub, principal, params.id, requestId, { withDescendants: query.withDescendants === 'true' });
      return {
        status: 200,
        body: { ...toApiToken(revocation.token), revokedTokenIds: revocation.revoked.map((token) => token.id), activeDescendantIds: revocation.activeDescendantIds },
      };
    },
  }),
];
