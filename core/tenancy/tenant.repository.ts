import type { Kysely } from 'kysely';
import type { Database, TenantRow } from '../db/database.types.ts';

export async function findTenantBySlug(db: Kysely<Database>, slug: string): Promise<TenantRow | undefined> {
  return db.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirst();
}

/** Creates the tenant unless it exists; `created` tells whether this call made it. */
export async function ensureTenant(db: Kysely<Database>, slug: string, name: string): Promise<{ tenant: TenantRow; created: boolean }> {
  const inserted = await db
    .insertInto('tenants')
    .values({ slug, name })
    .onConflict((oc) => oc.column('slug').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { tenant: inserted, created: true };
  const existing = await findTenantBySlug(db, slug);
  if (!existing) throw new Error(`tenant ${slug} vanished while being created`);
  return { tenant: existing, created: false };
}
