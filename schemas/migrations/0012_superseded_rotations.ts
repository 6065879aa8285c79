import { sql, type Kysely } from 'kysely';

// A pending rotation is closed as `superseded` when other new credentials are applied before it is
// decided (core/vault/rotation-supersede.ts).

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table credential_rotations drop constraint credential_rotations_status_check`.execute(db);
  await sql`alter table credential_rotations add constraint credential_rotations_status_check
    check (status in ('pending_approval', 'applied', 'rejected', 'superseded'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`update credential_rotations set status = 'rejected' where status = 'superseded'`.execute(db);
  await sql`alter table credential_rotations drop constraint credential_rotations_status_check`.execute(db);
  await sql`alter table credential_rotations add constraint credential_rotations_status_check
    check (status in ('pending_approval', 'applied', 'rejected'))`.execute(db);
}
