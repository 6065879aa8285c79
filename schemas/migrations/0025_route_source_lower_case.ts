import { sql, type Kysely } from 'kysely';

// Routes whose filter names its source integration in upper case, saved before such ids were
// lower-cased on the way in: routing compares the id as text with the event's integration id,
// which PostgreSQL prints in lower case, so those routes never acted. Rewritten as the database
// prints them, they act from now on.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`update routes
    set filter = jsonb_set(filter, '{sourceIntegrationId}', to_jsonb(lower(filter->>'sourceIntegrationId')))
    where filter->>'sourceIntegrationId' <> lower(filter->>'sourceIntegrationId')`.execute(db);
}

// The lower-case id names the same integration; there is nothing to undo.
export async function down(): Promise<void> {}
