import { sql, type Kysely } from 'kysely';

// One sealed constant per master key version, written by the first process that has the version:
// a process given another key under the same number cannot open it, and start-up refuses it before
// it seals anything with a key the others do not have (core/vault/master-key.check.ts).

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table master_key_checks (
    version integer primary key,
    check_ciphertext text not null,
    created_at timestamptz not null default now()
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table master_key_checks`.execute(db);
}
