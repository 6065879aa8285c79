import { sql, type Kysely } from 'kysely';

// A sync asked for by hand before an integration was switched off waits until it is switched on
// again, as one asked for before a pause does (run.hold.ts compares when each was asked for). For
// `enabled: false` that needs to know since when it is disabled: `disabled_at`.
//
// A trigger, not the hub's code, keeps it: during a rolling upgrade, processes of the previous
// version (which do not know the column) still switch integrations off and on.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table integration_configs add column disabled_at timestamptz`.execute(db);
  await sql`update integration_configs set disabled_at = updated_at where not enabled`.execute(db);

  await sql`create function integration_configs_stamp_disabled_at() returns trigger language plpgsql as $$
    begin
      if new.enabled then
        new.disabled_at := null;
      elsif tg_op = 'INSERT' or old.enabled then
        new.disabled_at := now();
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger integration_configs_stamp_disabled_at before insert or update of enabled on integration_configs
    for each row execute function integration_configs_stamp_disabled_at()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger integration_configs_stamp_disabled_at on integration_configs`.execute(db);
  await sql`drop function integration_configs_stamp_disabled_at()`.execute(db);
  await sql`alter table integration_configs drop column disabled_at`.execute(db);
}
