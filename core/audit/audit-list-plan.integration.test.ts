import { sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rowsRead } from '../../test-support/large-tenant.ts';
import { planOf, recordingDb, planPool } from '../../test-support/query-plans.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { listAudit, type AuditQuery } from './audit.repository.ts';

// GET /api/audit?targetId=… (one integration's, task's or route's history) and ?targetType=… read
// a tenant's audit log, which is kept for good: a target's entries are spread over all of it, so a
// page must be found through an index on the target, not by walking the tenant's history newest
// first. Checked on PostgreSQL's plans.

let test: TestHub;
let tenant: TestTenant;
let pool: pg.Pool;
const TARGETS = 2_000;

/** `entries` audit entries, one a minute going back from now, about `TARGETS` integrations in turn; one in 2,000 about the tenant. */
async function seedAudit(tenantId: string, entries: number): Promise<void> {
  await sql`insert into audit_log (tenant_id, actor_type, actor_id, action, target_type, target_id, created_at)
    select ${tenantId}, 'token', 'seed',
      case when g % 2000 = 7 then 'tenant.settings_changed' else 'integration.updated' end,
      case when g % 2000 = 7 then 'tenant' else 'integration' end,
      case when g % 2000 = 7 then ${tenantId}::text else md5('integration-' || (g % ${TARGETS}))::uuid::text end,
      now() - make_interval(mins => g)
    from generate_series(1, ${entries}) g`.execute(test.hub.db);
}

beforeAll(async () => {
  test = await startTestHub({ label: 'audit_list_plan', database: 'postgres' });
  tenant = await test.createTenant('big');
  await seedAudit(tenant.id, 200_000);
  await seedAudit((await test.createTenant('other')).id, 100_000);
  await sql`vacuum analyze`.execute(test.hub.db);
  pool = planPool(test.hub.config.DATABASE_URL!);
}, 120_000);
afterAll(async () => {
  await pool?.end();
  await test?.close();
});

const oneIntegration = async () => (await pool.query(`select md5('integration-42')::uuid::text as id`)).rows[0].id as string;

for (const [name, filter] of [
  ['one target', async () => ({ targetId: await oneIntegration() })],
  ['one target of a type', async () => ({ targetId: await oneIntegration(), targetType: 'integration' })],
  ['one target type that is rare', async () => ({ targetType: 'tenant' })],
] as const) {
  it(`reads a page of ${name} without walking the tenant's history`, async () => {
    const { db, sent } = recordingDb(pool);
    const query: AuditQuery = { ...(await filter()), limit: 50 };
    const entries = await listAudit(db, tenant.id, query);
    // Every target has 100 entries: a full page.
    expect(entries).toHaveLength(50);
    const plan = await planOf(pool, sent[0]!, { analyze: true });
    expect(plan).not.toMatch(/Seq Scan on audit_log/);
    // A page of 50 reads about 50 entries, not the tenant's 200,000.
    expect(rowsRead(plan, 'audit_log'), plan).toBeLessThan(1_000);
  });
}
