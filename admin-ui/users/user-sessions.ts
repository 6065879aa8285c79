import type { Kysely } from 'kysely';
import type { Database } from '../../core/db/database.types.ts';
import { disableUserAccount, type DisabledUser } from '../../core/users/user.service.ts';
import { adminDb } from '../db/admin-db.ts';

/** Disables the user and deletes their admin UI sessions, so nothing of their access lingers. */
export function disableUserAndSessions(db: Kysely<Database>, tenantId: string, email: string, at: Date): Promise<DisabledUser | undefined> {
  return disableUserAccount(db, tenantId, email, at, async (user) => {
    await adminDb(db).deleteFrom('admin_sessions').where('user_id', '=', user.id).execute();
  });
}
