import { sql, type Kysely } from 'kysely';

// Schedules saved as a cron nickname ("@annually") before nicknames were refused, and later read as
// their fields: the stored nickname is rewritten as those fields, so the admin form can save such
// an integration again and both queues (croner, BullMQ) read the same schedule. Schedule repair
// then replaces the queue's schedule, whose pattern no longer matches. Nicknames the hub does not
// know are left as they are; the form names them when it is saved.

// As schedule.schema.ts reads them today, written out so this migration stays what it was.
const FIELDS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

interface Row {
  id: string;
  schedules: Record<string, unknown>;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const rows = await sql<Row>`select id, schedules from integration_configs
    where exists (select 1 from jsonb_each(schedules) as stream where stream.value->>'cron' like '%@%')`.execute(db);
  for (const row of rows.rows) {
    const schedules = Object.fromEntries(Object.entries(row.schedules).map(([stream, schedule]) => [stream, withFields(schedule)]));
    await sql`update integration_configs set schedules = ${JSON.stringify(schedules)}::jsonb where id = ${row.id}`.execute(db);
  }
}

function withFields(schedule: unknown): unknown {
  if (typeof schedule !== 'object' || schedule === null || !('cron' in schedule) || typeof schedule.cron !== 'string') return schedule;
  const fields = FIELDS[schedule.cron.trim().toLowerCase()];
  return fields === undefined ? schedule : { ...schedule, cron: fields };
}

// Fields stand for the nickname exactly; there is nothing to undo.
export async function down(): Promise<void> {}
