import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database, Role } from '../db/database.types.ts';
import type { Selectable } from 'kysely';
import type { UsersTable } from '../db/database.types.ts';

export type UserRow = Selectable<UsersTable>;

export async function findUserByEmail(db: Kysely<Database>, tenantId: string, email: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
}

export async function findUser(db: Kysely<Database>, tenantId: string, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

export async function insertUser(
  db: Kysely<Database>,
  user: { tenantId: string; email: string; name: string; role: Role; passwordHash: string },
): Promise<UserRow> {
  return db
    .insertInto('users')
    .values({ tenant_id: user.tenantId, email: user.email, name: user.name, role: user.role, password_hash: user.passwordHash })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listUsers(db: Kysely<Database>, tenantId: string): Promise<UserRow[]> {
  return db.selectFrom('users').selectAll().where('tenant_id', '=', tenantId).orderBy('email').execute();
}

/** Returns the disabled row, or undefined when there is no such active user in the tenant. */
export async function disableUser(db: Kysely<Database>, tenantId: string, email: string, at: Date): Promise<UserRow | undefined> {
  return db
    .updateTable('users')
    .set({ disabled_at: at })
    .where('tenant_id', '=', tenantId)
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .where('disabled_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** Returns the enabled row, or undefined when there is no such disabled user in the tenant. */
export async function enableUser(db: Kysely<Database>, tenantId: string, email: string): Promise<UserRow | undefined> {
  return db
    .updateTable('users')
    .set({ disabled_at: null })
    .where('tenant_id', '=', tenantId)
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .where('disabled_at', 'is not', null)
    .returningAll()
    .executeTakeFirst();
}

export async function setPasswordHash(db: Kysely<Database>, id: string, passwordHash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
}
