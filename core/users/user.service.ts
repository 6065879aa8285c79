import { isUniqueViolation } from '../db/postgres-errors.ts';
import { sql, type Kysely } from 'kysely';
import type { Role } from '../auth/roles.ts';
import type { ApiTokenRow, Database } from '../db/database.types.ts';
import { revokeTokensOfPerson } from '../auth/api-token.repository.ts';
import { userPerson } from '../auth/principal.ts';
import { hashPassword, passwordProblem } from '../auth/password.ts';
import { disableUser, enableUser, findUserByEmail, insertUser, setPasswordHash, type UserRow } from './user.repository.ts';

/** A request to create or change a user that cannot be carried out as asked. */
export class UserError extends Error {
  override name = 'UserError';
}

// Deliberately loose: one @, something on each side, a dot in the domain. Delivery is not our
// concern; typos like a missing @ are.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** The longest address SMTP can carry (RFC 5321); a longer one names no account and would not fit an index entry. */
export const MAX_EMAIL_LENGTH = 254;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export interface NewUser {
  tenantId: string;
  email: string;
  name: string;
  role: Role;
  password: string;
}

export async function createUser(db: Kysely<Database>, input: NewUser): Promise<UserRow> {
  const email = normalizeEmail(input.email);
  if (!EMAIL.test(email) || email.length > MAX_EMAIL_LENGTH) throw new UserError(`"${input.email.slice(0, 100)}" is not an email address`);
  const name = input.name.trim();
  if (name === '') throw new UserError('the name must not be empty');
  const problem = passwordProblem(input.password);
  if (problem) throw new UserError(problem);
  const passwordHash = await hashPassword(input.password);
  try {
    return await insertUser(db, { tenantId: input.tenantId, email, name, role: input.role, passwordHash });
  } catch (error) {
    if (isUniqueViolation(error)) throw new UserError(`a user with the email ${email} already exists in this tenant`);
    throw error;
  }
}

/**
 * Gives the user a new password (a forgotten or leaked one) and ends their admin UI sessions, so a
 * browser signed in with the old one must sign in again. Their API tokens are credentials of their
 * own and stay. Undefined when there is no such user in the tenant.
 */
export async function setUserPassword(db: Kysely<Database>, tenantId: string, email: string, password: string): Promise<UserRow | undefined> {
  const problem = passwordProblem(password);
  if (problem) throw new UserError(problem);
  const passwordHash = await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    const user = await findUserByEmail(trx, tenantId, normalizeEmail(email));
    if (!user) return undefined;
    await setPasswordHash(trx, user.id, passwordHash);
    await endSessions(trx, user);
    return user;
  });
}

async function endSessions(trx: Kysely<Database>, user: UserRow): Promise<void> {
  // The admin UI's table (migration 0004).
  await sql`delete from admin_sessions where user_id = ${user.id}`.execute(trx);
}

/** A user just disabled or enabled, and the tokens that acted for them, revoked with it. */
export interface DisabledUser {
  user: UserRow;
  revokedTokens: Array<Pick<ApiTokenRow, 'id' | 'name'>>;
}

/**
 * Ends everything the user holds: their admin UI sessions (the admin UI's table, migration 0004)
 * and the API tokens acting for them (made with `hub token create --user`, or by them).
 */
async function endAccess(trx: Kysely<Database>, tenantId: string, user: UserRow, at: Date): Promise<DisabledUser> {
  await endSessions(trx, user);
  const revokedTokens = await revokeTokensOfPerson(trx, tenantId, userPerson(user.id), at);
  return { user, revokedTokens };
}

/**
 * Disables the user. Access stops at once: their sessions are deleted and the API tokens acting
 * for them revoked, in the same transaction (and sessions and chat links check the user's state
 * on every request anyway).
 */
export async function disableUserAccount(db: Kysely<Database>, tenantId: string, email: string, at: Date): Promise<DisabledUser | undefined> {
  return db.transaction().execute(async (trx) => {
    const user = await disableUser(trx, tenantId, normalizeEmail(email), at);
    return user ? endAccess(trx, tenantId, user, at) : undefined;
  });
}

/**
 * Enables a disabled user: they sign in again with their password. Nothing of their earlier
 * access comes back with it: a session or token made by a request that was already under way when
 * they were disabled (refused while they were) is ended now, not revived.
 */
export async function enableUserAccount(db: Kysely<Database>, tenantId: string, email: string, at: Date): Promise<DisabledUser | undefined> {
  return db.transaction().execute(async (trx) => {
    const user = await enableUser(trx, tenantId, normalizeEmail(email));
    return user ? endAccess(trx, tenantId, user, at) : undefined;
  });
}
