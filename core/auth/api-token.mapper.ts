import type { ApiTokenRow } from '../db/database.types.ts';
import type { ApiToken } from '../../schemas/api/token.schema.ts';
import { tokenPerson } from './principal.ts';

export function toApiToken(row: ApiTokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    prefix: row.display_prefix,
    createdBy: row.created_by,
    createdByTokenId: row.created_by_token_id,
    createdByUserId: row.created_by_user_id,
    person: tokenPerson(row),
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    expiresAt: row.expires_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}
