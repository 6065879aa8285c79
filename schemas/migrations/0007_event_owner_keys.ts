import { sql, type Kysely } from 'kysely';

// The two tables that take a row per inbound event or polled record checked two foreign keys per
// row: one to the tenant and one to the integration. One composite key to the integration's
// (id, tenant_id) checks both in a single lookup, and says more: the row's tenant is its
// integration's tenant, not just some tenant. Deleting a tenant still removes these rows, through
// its integrations. Migrations run in one transaction, so adding the key checks the existing rows
// while writes to both tables wait: on a large install, migrate (`hub migrate`) in a quiet moment.

const TABLES = ['integration_events', 'integration_records'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table integration_configs add constraint integration_configs_id_tenant_unique unique (id, tenant_id)`.execute(db);
  for (const table of TABLES) {
    await sql`alter table ${sql.table(table)}
      add constraint ${sql.ref(`${table}_owner_fkey`)} foreign key (integration_id, tenant_id)
        references integration_configs (id, tenant_id) on delete cascade`.execute(db);
    await sql`alter table ${sql.table(table)} drop constraint ${sql.ref(`${table}_tenant_id_fkey`)}`.execute(db);
    await sql`alter table ${sql.table(table)} drop constraint ${sql.ref(`${table}_integration_id_fkey`)}`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of TABLES) {
    await sql`alter table ${sql.table(table)}
      add constraint ${sql.ref(`${table}_tenant_id_fkey`)} foreign key (tenant_id) references tenants (id) on delete cascade`.execute(db);
    await sql`alter table ${sql.table(table)}
      add constraint ${sql.ref(`${table}_integration_id_fkey`)} foreign key (integration_id) references integration_configs (id) on delete cascade`.execute(db);
    await sql`alter table ${sql.table(table)} drop constraint ${sql.ref(`${table}_owner_fkey`)}`.execute(db);
  }
  await sql`alter table integration_configs drop constraint integration_configs_id_tenant_unique`.execute(db);
}
