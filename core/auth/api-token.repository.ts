import { sql, type Kysely } from 'kysely';
import type { ApiTokenRow, Database, NewApiToken } from '../db/database.types.ts';
import { tokenPerson } from './principal.ts';

export async function insertApiToken(db: Kysely<Database>, token: NewApiToken): Promise<ApiTokenRow> {
  return db.insertInto('api_tokens').values(token).returningAll().executeTakeFirstOrThrow();
}

/**
 * The token with that hash, and for a token acting for a user (`person` user:<id>) whether that user
 * exists and is enabled (null for other tokens), and whether the token that made it was revoked with
 * its descendants, read in the same statement.
 */
export async function findApiTokenByHash(db: Kysely<Database>, tokenHash: string): Promise<(ApiTokenRow & { person_active: boolean | null; maker_line_revoked: boolean }) | undefined> {
  return db
    .selectFrom('api_tokens')
    .selectAll()
    .select(
      sql<boolean | null>`case when api_tokens.person like 'user:%' then coalesce((select users.disabled_at is null from users
        where users.id = case when api_tokens.person ~ '^user:[0-9a-fA-F-]{36}$' then substring(api_tokens.person from 6)::uuid end), false) end`.as('person_active'),
    )
    .select(
      sql<boolean>`exists (select 1 from api_tokens maker where maker.id = api_tokens.created_by_token_id and maker.descendants_revoked_at is not null)`.as('maker_line_revoked'),
    )
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export async function findApiToken(db: Kysely<Database>, tenantId: string, id: string): Promise<ApiTokenRow | undefined> {
  return db.selectFrom('api_tokens').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

export interface ApiTokenFilter {
  /** Only the tokens this token made (directly). */
  createdByTokenId?: string | undefined;
}

export async function listApiTokens(db: Kysely<Database>, tenantId: string, filter: ApiTokenFilter = {}): Promise<ApiTokenRow[]> {
  let query = db.selectFrom('api_tokens').selectAll().where('tenant_id', '=', tenantId);
  if (filter.createdByTokenId !== undefined) query = query.where('created_by_token_id', '=', filter.createdByTokenId);
  return query.orderBy('created_at', 'desc').execute();
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
