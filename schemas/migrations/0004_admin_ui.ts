import { sql, type Kysely } from 'kysely';

// The admin UI's sign-in state: server-side sessions and the sign-in attempts that lockout counts.
// A session row holds only a hash of the id in the browser's cookie, so a copy of the table does
// not let anyone resume a session.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('admin_sessions')
    // SHA-256 of the cookie value, hex.
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // Per-session CSRF token, compared with the hidden field of every form.
    .addColumn('csrf_secret', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text')
    .addColumn('ip', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('admin_sessions_user_idx').on('admin_sessions').columns(['user_id']).execute();
  await db.schema.createIndex('admin_sessions_expiry_idx').on('admin_sessions').columns(['expires_at']).execute();

  // Keyed by tenant and normalised email rather than a user id, so attempts on unknown emails
  // count too and lockout does not reveal which emails have accounts.
  await db.schema
    .createTable('admin_login_attempts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('tenant_id', 'uuid', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('success', 'failure', 'locked')`))
    .addColumn('ip', 'text')
    .addColumn('attempted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('admin_login_attempts_email_idx')
    .on('admin_login_attempts')
    .columns(['tenant_id', 'email', 'attempted_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('admin_login_attempts').ifExists().execute();
  await db.schema.dropTable('admin_sessions').ifExists().execute();
}
