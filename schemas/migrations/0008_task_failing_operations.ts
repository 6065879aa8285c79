import { sql, type Kysely } from 'kysely';

// A failure task is shared by every operation of its integration that fails with its code
// (`poll:<stream>`, `action:<action>`, `check`). Remembering which ones lets a success settle only
// what it proves: a stream that works says nothing about another stream the account may not read,
// so that task stays open instead of being resolved and reopened (with a new alert) every interval.
// Tasks from before this migration have an empty set and keep the old rule: any success resolves them.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('tasks')
    .addColumn('failing_operations', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tasks').dropColumn('failing_operations').execute();
}
