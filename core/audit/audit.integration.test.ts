import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { walkKeysetPages } from '../../test-support/keyset-pages.ts';

interface Entry {
  id: string;
  action: string;
  createdAt: string;
}

describe.each(RUNTIME_MODES)('paging the audit log on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  const future = '2030-01-01T00:00:00.123';

  beforeAll(async () => {
    test = await startTestHub({ label: 'audit', ...options });
    tenant = await test.createTenant('acme');
    // Three entries within one millisecond, and two that share one microsecond (as the entries
    // of one transaction do), all newer than anything the test tenant wrote itself.
    for (const [micros, action] of [['900', 'p.a'], ['600', 'p.b'], ['600', 'p.c'], ['300', 'p.d'], ['300', 'p.e']] as const) {
      await sql`insert into audit_log (tenant_id, actor_type, actor_id, action, created_at)
        values (${tenant.id}, 'token', 'x', ${action}, ${`${future}${micros}Z`}::timestamptz)`.execute(test.hub.db);
    }
  });
  afterAll(async () => {
    await test?.close();
  });

  async function page(query: string): Promise<Entry[]> {
    const response = await test.request('get', `/api/audit?${query}`, { token: tenant.tokens.admin });
    expect(response.status).toBe(200);
    return (await response.json()).entries;
  }

  // Entries of the test tenant's own setup are older than the ones above: the filter stops there.
  const walk = (limit: number) =>
    walkKeysetPages(async (query) => (await page(query)).filter((entry) => entry.action.startsWith('p.')), `limit=${limit}`, (entry: Entry) => entry.createdAt);

  it('shows createdAt with the microseconds PostgreSQL stored', async () => {
    const entries = await page('limit=5&before=2030-01-02T00:00:00Z');
    expect(entries.map((entry) => entry.createdAt)).toEqual([`${future}900Z`, `${future}600Z`, `${future}600Z`, `${future}300Z`, `${future}300Z`]);
  });

  it.each([1, 2, 3])('walks every entry once, newest first, %i per page', async (limit) => {
    const seen = await walk(limit);
    const all = await page('limit=5&before=2030-01-02T00:00:00Z');
    expect(seen.map((entry) => entry.id)).toEqual(all.map((entry) => entry.id));
    expect(seen.map((entry) => entry.action).sort()).toEqual(['p.a', 'p.b', 'p.c', 'p.d', 'p.e']);
  });

  it('pages by time alone when only before is given', async () => {
    const entries = await page(`limit=5&before=${encodeURIComponent(`${future}600Z`)}`);
    expect(entries.filter((entry) => entry.action.startsWith('p.')).map((entry) => entry.action).sort()).toEqual(['p.d', 'p.e']);
  });

  it('refuses beforeId without before, and one that is not a UUID', async () => {
    for (const query of ['beforeId=00000000-0000-4000-8000-000000000000', 'before=2030-01-02T00:00:00Z&beforeId=nope']) {
      const response = await test.request('get', `/api/audit?${query}`, { token: tenant.tokens.admin });
      expect(response.status).toBe(400);
      expect((await response.json()).error.fields.map((field: { path: string }) => field.path)).toEqual(['query.beforeId']);
    }
  });
});
