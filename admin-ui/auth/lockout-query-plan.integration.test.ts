import { sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { planOf, recordingDb, planPool } from '../../test-support/query-plans.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { recentAttempts } from './lockout.ts';

// A flood of guesses at one email is refused, and each refusal is recorded as 'locked'. The lock
// check skips those rows; it must also not read them, or every check (under the email's lock)
// slows with the flood. Checked on PostgreSQL's plan for the query the check sends.

let test: TestHub;
let tenant: TestTenant;
let pool: pg.Pool;

beforeAll(async () => {
  test = await startTestHub({ label: 'lockout_plan', database: 'postgres' });
  tenant = await test.createTenant('acme');
  pool = planPool(test.hub.config.DATABASE_URL!);
});
afterAll(async () => {
  await pool?.end();
  await test?.close();
});

it('reads the decisive sign-in attempts of an email without reading the refused ones', async () => {
  await sql`insert into admin_login_attempts (tenant_id, email, outcome, attempted_at)
    select ${tenant.id}, 'victim@example.com', 'failure', now() - interval '14 minutes' from generate_series(1, 5)`.execute(test.hub.db);
  await sql`insert into admin_login_attempts (tenant_id, email, outcome, attempted_at)
    select ${tenant.id}, 'victim@example.com', 'locked', now() - make_interval(secs => g / 1000.0) from generate_series(1, 100000) g`.execute(test.hub.db);
  await sql`analyze admin_login_attempts`.execute(test.hub.db);

  const { db: recording, sent } = recordingDb(pool);
  const attempts = await recentAttempts(recording, { tenantId: tenant.id }, 'victim@example.com', new Date());
  expect(attempts.map((attempt) => attempt.outcome)).toEqual(['failure', 'failure', 'failure', 'failure', 'failure']);

  const [query] = sent;
  const plan = await planOf(pool, query!, { analyze: true });
  expect(plan).toContain('admin_login_attempts_decisive_idx');
  // Rows it looked at and dropped: none of the 100,000 refused attempts.
  expect(plan).not.toMatch(/Rows Removed by Filter: [1-9]/);
});
