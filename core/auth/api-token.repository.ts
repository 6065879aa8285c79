import { sql, type Kysely } from 'kysely';
import type { ApiTokenRow, Database, NewApiToken } from '../db/database.types.ts';
import { tokenPerson } from './principal.ts';

export async function insertApiToken(db: Kysely<Database>, token: NewApiToken): Promise<ApiTokenRow> {
  return db.insertInto('api_tokens').values(token).returningAll().executeTakeFirstOrThrow();
}

/**
 * The token with that hash, and for a token acting for a user (`person` user:<id>) whether that user
 * exists and is enabled (null for other tokens), read in the same statement.
 */
export async function findApiTokenByHash(db: Kysely<Database>, tokenHash: string): Promise<(ApiTokenRow & { person_active: boolean | null }) | undefined> {
  return db
    .selectFrom('api_tokens')
    .selectAll()
    .select(
      sql<boolean | null>`case when api_tokens.person like 'user:%' then coalesce((select users.disabled_at is null from users
        where users.id = case when api_tokens.person ~ '^user:[0-9a-fA-F-]{36}$' then substring(api_tokens.person from 6)::uuid end), false) end`.as('person_active'),
    )
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export async function findApiToken(db: Kysely<Database>, tenantId: string, id: string): Promise<ApiTokenRow | undefined> {
  return db.selectFrom('api_tokens').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

export async function listApiTokens(db: Kysely<Database>, tenantId: string): Promise<ApiTokenRow[]> {
  return db.selectFrom('api_tokens').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at', 'desc').execute();
}

/** Returns the revoked row, or undefined when it does not exist in the tenant or was already revoked. */
export async function revokeApiToken(db: Kysely<Database>, tenantId: string, id: string, at: Date): Promise<ApiTokenRow | undefined> {
  return db
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** The person a token acts for (Principal.person), or undefined when there is no such token. */
export async function findTokenPerson(db: Kysely<Database>, id: string): Promise<string | undefined> {
  const row = await db.selectFrom('api_tokens').select(['id', 'person']).where('id', '=', id).executeTakeFirst();
  return row && tokenPerson(row);
}

/** Revokes every active token acting for `person` (Principal.person); returns those it revoked. */
export async function revokeTokensOfPerson(db: Kysely<Database>, tenantId: string, person: string, at: Date): Promise<Array<Pick<ApiTokenRow, 'id' | 'name'>>> {
  return db
    .updateTable('api_tokens')
    .set({ revoked_at: at })
    .where('tenant_id', '=', tenantId)
    .where('person', '=', person)
    .where('revoked_at', 'is', null)
    .returning(['id', 'name'])
    .execute();
}

/** Marks use; returns true only for the caller whose update moved the mark past `staleBefore`. */
export async function touchApiToken(db: Kysely<Database>, id: string, at: Date, staleBefore: Date): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ last_used_at: at })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', staleBefore)]))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
