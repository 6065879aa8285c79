import { sql, type Kysely } from 'kysely';

// An admin's unlink of a chat user is kept as a mark on the link rather than by deleting it:
// without the row, the user's next command would link them again by their verified email, and the
// unlink would do nothing. Only an admin's new link (POST /api/slack/links) clears the mark.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table chat_user_links add column unlinked_at timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Before this migration an unlink deleted the link; an unlinked row left behind would be live.
  await sql`delete from chat_user_links where unlinked_at is not null`.execute(db);
  await sql`alter table chat_user_links drop column unlinked_at`.execute(db);
}
