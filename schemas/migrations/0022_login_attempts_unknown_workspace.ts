import { sql, type Kysely } from 'kysely';

// Sign-in attempts naming a workspace that does not exist are counted and locked out like those of
// one that does: otherwise only real workspaces ever answered "locked", which told a guesser which
// workspaces exist. Such attempts have no tenant; they keep the slug they named instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table admin_login_attempts
    alter column tenant_id drop not null,
    add column workspace text,
    add constraint admin_login_attempts_scope_check check (tenant_id is not null or workspace is not null)`.execute(db);
  await sql`create index admin_login_attempts_unknown_workspace_idx on admin_login_attempts (workspace, email, attempted_at)
    where tenant_id is null and outcome in ('failure', 'success')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index admin_login_attempts_unknown_workspace_idx`.execute(db);
  await sql`delete from admin_login_attempts where tenant_id is null`.execute(db);
  await sql`alter table admin_login_attempts
    drop constraint admin_login_attempts_scope_check,
    drop column workspace,
    alter column tenant_id set not null`.execute(db);
}
