import { sql, type Kysely } from 'kysely';

// An open breaker's refusals name the upstream failure behind it; a worker held back by a breaker
// another worker opened learns that failure from here.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table integration_breakers add column cause text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table integration_breakers drop column cause`.execute(db);
}
