import type { Kysely } from 'kysely';
import type { Database } from '../../core/db/database.types.ts';
import { disableUserAccount } from '../../core/users/user.service.ts';
import type { UserRow } from '../../core/users/user.repository.ts';
import { adminDb } from '../db/admin-db.ts';

/** Disables the user and deletes their admin UI sessions, so nothing of their access lingers. */
export function disableUserAndSessions(db: Kysely<Database>, tenantId: string, email: string, at: Date): Promise<UserRow | undefined> {
  return disableUserAccount(db, tenantId, email, at, async (user) => {
    await adminDb(db).deleteFrom('admin_sessions').where('user_id', '=', user.id).execute();
  });
}
