import type { ColumnType, Kysely, Selectable } from 'kysely';
import type { Database } from '../../core/db/database.types.ts';

// Row types of the tables migration 0004 adds for the admin UI. They live here rather than in
// core's Database type because only the admin UI reads or writes them.

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

// Type aliases rather than interfaces: Kysely's withTables needs index-compatible object types.
export type AdminSessionsTable = {
  id_hash: string;
  tenant_id: string;
  user_id: string;
  csrf_secret: string;
  user_agent: string | null;
  ip: string | null;
  created_at: CreatedAt;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
}

export type LoginOutcome = 'success' | 'failure' | 'locked';

export type AdminLoginAttemptsTable = {
  id: ColumnType<string, string | undefined, never>;
  /** Null for an attempt naming a workspace that does not exist (0022): `workspace` names it. */
  tenant_id: string | null;
  workspace: string | null;
  email: string;
  outcome: LoginOutcome;
  ip: string | null;
  /** Made from a browser that signed in as this email before (0026): counted apart. */
  known_browser: ColumnType<boolean, boolean | undefined, boolean>;
  attempted_at: Timestamp;
}

export type AdminTables = {
  admin_sessions: AdminSessionsTable;
  admin_login_attempts: AdminLoginAttemptsTable;
}

export type AdminDatabase = Database & AdminTables;
export type AdminSessionRow = Selectable<AdminSessionsTable>;
export type LoginAttemptRow = Selectable<AdminLoginAttemptsTable>;

/** The hub's database handle, typed to include the admin UI's tables. */
export function adminDb(db: Kysely<Database>): Kysely<AdminDatabase> {
  return db.withTables<AdminTables>() as unknown as Kysely<AdminDatabase>;
}
