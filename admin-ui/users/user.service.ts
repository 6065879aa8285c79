import type { Kysely } from 'kysely';
import type { Role } from '../../core/auth/roles.ts';
import type { Database } from '../../core/db/database.types.ts';
import { adminDb } from '../db/admin-db.ts';
import { hashPassword, passwordProblem } from '../auth/password.ts';
import { disableUser, insertUser, type UserRow } from './user.repository.ts';

/** A request to create or change a user that cannot be carried out as asked. */
export class UserError extends Error {
  override name = 'UserError';
}

// Deliberately loose: one @, something on each side, a dot in the domain. Delivery is not our
// concern; typos like a missing @ are.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

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
  if (!EMAIL.test(email)) throw new UserError(`"${input.email}" is not an email address`);
  const name = input.name.trim();
  if (name === '') throw new UserError('the name must not be empty');
  const problem = passwordProblem(input.password);
  if (problem) throw new UserError(problem);
  const passwordHash = await hashPassword(input.password);
  try {
    return await insertUser(db, { tenantId: input.tenantId, email, name, role: input.role, passwordHash });
  } catch (error) {
    if ((error as { code?: string }).code === '23505') throw new UserError(`a user with the email ${email} already exists in this tenant`);
    throw error;
  }
}

/** Disables the user and ends every session they have, so access stops at once. */
export async function disableUserAndSessions(db: Kysely<Database>, tenantId: string, email: string, at: Date): Promise<UserRow | undefined> {
  const row = await disableUser(db, tenantId, normalizeEmail(email), at);
  if (row) await adminDb(db).deleteFrom('admin_sessions').where('user_id', '=', row.id).execute();
  return row;
}
