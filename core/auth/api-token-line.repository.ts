import type { Kysely, Transaction } from 'kysely';
import type { ApiTokenRow, Database } from '../db/database.types.ts';

// A token's line: the token and every token made from it, at any depth, through tokens already
// revoked too (what a revoked token made still came from the leaked one).

export type LineToken = Pick<ApiTokenRow, 'id' | 'name' | 'created_by_token_id' | 'revoked_at' | 'expires_at'>;

/** The token and its descendants in the tenant, oldest first (so the token itself first); [] when there is no such token. */
export async function findTokenLine(db: Kysely<Database> | Transaction<Database>, tenantId: string, id: string): Promise<LineToken[]> {
  return db
    .withRecursive('line(id)', (qb) =>
      qb
        .selectFrom('api_tokens')
        .select('api_tokens.id')
        .where('api_tokens.tenant_id', '=', tenantId)
        .where('api_tokens.id', '=', id)
        // UNION, not UNION ALL: a line edited by hand into a loop still ends.
        .union(
          qb
            .selectFrom('api_tokens')
            .innerJoin('line', 'line.id', 'api_tokens.created_by_token_id')
            .select('api_tokens.id')
            .where('api_tokens.tenant_id', '=', tenantId),
        ),
    )
    .selectFrom('api_tokens')
    .innerJoin('line', 'line.id', 'api_tokens.id')
    .select(['api_tokens.id', 'api_tokens.name', 'api_tokens.created_by_token_id', 'api_tokens.revoked_at', 'api_tokens.expires_at'])
    .orderBy('api_tokens.created_at')
    .orderBy('api_tokens.id')
    .execute();
}

/** Revokes those of `ids` still unrevoked; returns what this call revoked, so each is audited once. */
export async function revokeTokens(db: Kysely<Database> | Transaction<Database>, tenantId: string, ids: string[], at: Date): Promise<Array<Pick<ApiTokenRow, 'id' | 'name'>>> {
  if (ids.length === 0) return [];
  return db
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('tenant_id', '=', tenantId)
    .where('id', 'in', ids)
    .where('revoked_at', 'is', null)
    .returning(['id', 'name'])
    .execute();
}

/**
 * Marks the line as revoked with its descendants: a token any of them makes after this (by a
 * request authenticated before the revocation committed) is refused (findApiTokenByHash).
 */
export async function markDescendantsRevoked(db: Kysely<Database> | Transaction<Database>, tenantId: string, ids: string[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('api_tokens')
    .set({ descendants_revoked_at: at })
    .where('tenant_id', '=', tenantId)
    .where('id', 'in', ids)
    .where('descendants_revoked_at', 'is', null)
    .execute();
}
