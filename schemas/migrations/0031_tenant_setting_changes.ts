import { sql, type Kysely } from 'kysely';

// Switching off a safeguard setting (`requireRotationApproval`) waits for a second admin, as a
// rotation does: the admin the safeguard checks must not be able to remove it alone. A request waits
// here until another person approves it or someone cancels it. At most one is pending per setting
// and tenant, so two admins asking at once make one request, and one approval decides it.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table tenant_setting_changes (
    id uuid primary key default gen_random_uuid(),
    tenant_id uuid not null references tenants(id) on delete cascade,
    setting text not null,
    value jsonb not null,
    status text not null check (status in ('pending_approval', 'applied', 'cancelled')),
    requested_by text not null,
    requested_by_person text not null,
    decided_by text,
    decided_at timestamptz,
    created_at timestamptz not null default now()
  )`.execute(db);
  await sql`create unique index tenant_setting_changes_one_pending on tenant_setting_changes (tenant_id, setting) where status = 'pending_approval'`.execute(db);
  await sql`create index tenant_setting_changes_tenant_idx on tenant_setting_changes (tenant_id, created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table tenant_setting_changes`.execute(db);
}
