import { sql, type Kysely } from 'kysely';

// A route acts on the events received while it is enabled, not on older ones still waiting to be
// routed (a backlog while the workers were down): routes record since when they are enabled, and
// a replayed event when it was replayed, which is when it asks the routes of now. Both columns are
// added without rewriting their tables (a constant default and a nullable column).
//
// Triggers, not the hub's code, keep them: during a rolling upgrade, processes of the previous
// version (which know neither column) still replay events and switch routes on, and the new
// workers routing them must see those replays and switch-ons too.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table routes add column enabled_at timestamptz not null default now()`.execute(db);
  await sql`update routes set enabled_at = created_at`.execute(db);
  await sql`alter table integration_events add column replayed_at timestamptz`.execute(db);

  await sql`create function routes_stamp_enabled_at() returns trigger language plpgsql as $$
    begin
      new.enabled_at := now();
      return new;
    end $$`.execute(db);
  await sql`create trigger routes_stamp_enabled_at before update of enabled on routes
    for each row when (new.enabled and not old.enabled) execute function routes_stamp_enabled_at()`.execute(db);

  // Back to pending from routed (processed) or failed: a replay. Webhook inserts fire nothing.
  await sql`create function integration_events_stamp_replayed_at() returns trigger language plpgsql as $$
    begin
      new.replayed_at := now();
      return new;
    end $$`.execute(db);
  await sql`create trigger integration_events_stamp_replayed_at before update of status on integration_events
    for each row when (new.status = 'pending' and old.status <> 'pending') execute function integration_events_stamp_replayed_at()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger integration_events_stamp_replayed_at on integration_events`.execute(db);
  await sql`drop function integration_events_stamp_replayed_at()`.execute(db);
  await sql`drop trigger routes_stamp_enabled_at on routes`.execute(db);
  await sql`drop function routes_stamp_enabled_at()`.execute(db);
  await sql`alter table integration_events drop column replayed_at`.execute(db);
  await sql`alter table routes drop column enabled_at`.execute(db);
}
