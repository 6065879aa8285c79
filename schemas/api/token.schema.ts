import { z } from 'zod';
import { Role } from '../../core/auth/roles.ts';
import { Timestamp, Name } from './common.schema.ts';

export const ApiToken = z.object({
  id: z.uuid(),
  name: z.string(),
  role: Role,
  prefix: z.string().describe('the first characters of the token, to tell tokens apart'),
  createdBy: z.string(),
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
