import { sql, type Kysely } from 'kysely';

// GET /api/audit?targetId=… (one integration's, task's or route's history) and ?targetType=…: a
// target's entries are spread over the tenant's whole audit log, kept for good, and the tenant index
// found a page of them by reading every entry (a seq scan of 300,000 entries, 300 ms). The order of
// the list (created_at, then id) is in each index, so a page reads about a page. Entries without a
// target take no index entry.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index audit_log_target_idx on audit_log (tenant_id, target_id, created_at, id) where target_id is not null`.execute(db);
  await sql`create index audit_log_target_type_idx on audit_log (tenant_id, target_type, created_at, id) where target_type is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index audit_log_target_type_idx`.execute(db);
  await sql`drop index audit_log_target_idx`.execute(db);
}
