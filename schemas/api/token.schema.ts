import { z } from 'zod';
import { Role } from '../../core/auth/roles.ts';
import { Timestamp, Name } from './common.schema.ts';

export const ApiToken = z.object({
  id: z.uuid(),
  name: z.string(),
  role: Role,
  prefix: z.string().describe('the first characters of the token, to tell tokens apart'),
  createdBy: z.string(),
  createdByTokenId: z
    .uuid()
    .nullable()
    .describe('the token that made it (POST /api/tokens); null when a user, the CLI or first start made it, or for tokens made before this was recorded'),
  createdByUserId: z.uuid().nullable().describe('the admin UI user who made it on the API tokens page; null otherwise'),
  person: z
    .string()
    .describe('who acts through the token, for four eyes: user:<id> for a token made for a user, else token:<id> of the first token of the line it was made from; tokens made with it share it'),
  createdAt: Timestamp,
  lastUsedAt: Timestamp.nullable(),
  expiresAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
});
export type ApiToken = z.infer<typeof ApiToken>;

export const ApiTokenList = z.object({ tokens: z.array(ApiToken) });
export type ApiTokenList = z.infer<typeof ApiTokenList>;

export const ApiTokenListQuery = z.object({
  createdByTokenId: z.uuid({ message: 'expected a UUID' }).optional().describe('only the tokens this token made'),
});
export type ApiTokenListQuery = z.infer<typeof ApiTokenListQuery>;

export const RevokeApiTokenQuery = z.object({
  withDescendants: z
    .enum(['true', 'false'])
    .default('false')
    .describe('also revoke every token made from it, at any depth (after a leak, what was made with the token)'),
});
export type RevokeApiTokenQuery = z.infer<typeof RevokeApiTokenQuery>;

export const RevokedApiToken = ApiToken.extend({
  revokedTokenIds: z.array(z.uuid()).describe('every token this request revoked, oldest first: the token named first when it was active'),
  activeDescendantIds: z
    .array(z.uuid())
    .describe('tokens made from it, at any depth, that still work: revoke them too with ?withDescendants=true'),
});
export type RevokedApiToken = z.infer<typeof RevokedApiToken>;

export const CreateApiTokenRequest = z.strictObject({
  name: Name,
  role: Role,
  expiresAt: Timestamp.optional(),
});
export type CreateApiTokenRequest = z.infer<typeof CreateApiTokenRequest>;

export const CreatedApiToken = ApiToken.extend({
  token: z.string().describe('shown once; only its hash is stored'),
});
export type CreatedApiToken = z.infer<typeof CreatedApiToken>;
