import { describe, expect, it } from 'vitest';
import type { FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { ConnectorError } from '../sdk/failure.ts';
import { servicenow } from './connector.ts';
import { perTestServiceNow, pollOnce } from './test-context.testing.ts';

const instances = perTestServiceNow();
let fake: FakeServiceNow;

async function fakeAt(time: string) {
  const started = await instances.startAt(time);
  fake = started.fake;
  return started.setClock;
}

function versions(table = 'incident'): string[] {
  return fake.records.list(table).map((r) => `${r['sys_id']}@${r['sys_mod_count']}`);
}

describe('ServiceNow streams: incremental polling', () => {
  it('reads everything oldest first on the first run and resumes after the last page', async () => {
    const setClock = await fakeAt('10:00:00');
    const ids: string[] = [];
    for (const second of ['01', '02', '03', '04', '05']) {
      setClock(`10:00:${second}`);
      ids.push(fake.records.upsert('incident')['sys_id'] ?? '');
    }
    const context = instances.context(fake, { config: { pageSize: 2 } });
    const first = await pollOnce(context, 'incident', undefined);
    expect(first.ids).toEqual(ids);
    expect(first.cursor).toEqual({ updatedOn: '2024-05-01 10:00:05', seenAtUpdatedOn: [`${ids[4]}@0`], instance: new URL(fake.url).origin, table: 'incident' });
    expect(first.pages.every((page) => page.records.every((r) => r.updatedAt instanceof Date))).toBe(true);

    const again = await pollOnce(context, 'incident', first.cursor);
    expect(again.ids).toEqual([]);
    expect(again.cursor).toEqual(first.cursor);
  });

  it('sends the cursor query with raw values, no reference links and the page size', async () => {
    await fakeAt('10:00:00');
    fake.records.upsert('incident');
    const context = instances.context(fake, { config: { pageSize: 10, query: 'active=true' } });
    fake.records.upsert('incident', { active: 'false' });
    await pollOnce(context, 'incident', { updatedOn: '2024-05-01 09:00:00', seenAtUpdatedOn: [] });
    expect(fake.requests[0]?.path).toBe('/api/now/table/incident');
    expect(fake.requests[0]?.query).toEqual({
      sysparm_query: 'active=true^sys_updated_on>=2024-05-01 09:00:00^ORDERBYsys_updated_on^ORDERBYsys_id',
      sysparm_limit: '10',
      sysparm_exclude_reference_link: 'true',
      sysparm_display_value: 'false',
    });
  });

  it('delivers each version exactly once over repeated polls while one second keeps changing', async () => {
    await fakeAt('10:00:00');
    const context = instances.context(fake, { config: { pageSize: 2 } });
    const delivered: string[] = [];
    let cursor: unknown;
    for (let round = 0; round < 6; round++) {
      // New records and updates of old ones, all within the same second as the cursor.
      fake.records.seed('incident', round % 3);
      const existing = fake.records.list('incident');
      const victim = existing[(round * 5) % Math.max(existing.length, 1)];
      if (victim && round % 2 === 1) fake.records.touch('incident', victim['sys_id'] ?? '');
      const result = await pollOnce(context, 'incident', cursor);
      delivered.push(...result.pages.flatMap((p) => p.records.map((r) => `${r.externalId}@${String(r.payload['sys_mod_count'])}`)));
      cursor = result.cursor;
    }
    expect(new Set(delivered).size).toBe(delivered.length);
    for (const version of versions()) expect(delivered).toContain(version);
  });

  it('brings a record changed again within the boundary second through, once', async () => {
    await fakeAt('10:00:00');
    const record = fake.records.upsert('incident');
    const context = instances.context(fake);
    const first = await pollOnce(context, 'incident', undefined);
    fake.records.touch('incident', record['sys_id'] ?? '', { state: '2' });
    const second = await pollOnce(context, 'incident', first.cursor);
    expect(second.pages.flatMap((p) => p.records.map((r) => r.payload['sys_mod_count']))).toEqual(['1']);
    expect(second.cursor).toEqual({ updatedOn: '2024-05-01 10:00:00', seenAtUpdatedOn: [`${record['sys_id']}@0`, `${record['sys_id']}@1`], instance: new URL(fake.url).origin, table: 'incident' });
    expect((await pollOnce(context, 'incident', second.cursor)).ids).toEqual([]);
  });

  it('does not skip records when one already read is updated mid-run (offsets would shift)', async () => {
    const setClock = await fakeAt('10:00:00');
    const ids: string[] = [];
    for (let second = 1; second <= 6; second++) {
      setClock(`10:00:0${second}`);
      ids.push(fake.records.upsert('incident')['sys_id'] ?? '');
    }
    const context = instances.context(fake, { config: { pageSize: 3 } });
    const delivered: string[] = [];
    for await (const page of servicenow.streams['incident']!.poll(context.ctx, undefined, 'incremental')) {
      if (delivered.length === 0) {
        setClock('10:00:30');
        fake.records.touch('incident', ids[0] ?? '');
      }
      delivered.push(...page.records.map((r) => r.externalId));
    }
    expect(delivered).toEqual([...ids, ids[0]]);
  });

  it('yields no page on an empty table', async () => {
    await fakeAt('10:00:00');
    const context = instances.context(fake);
    expect(await pollOnce(context, 'incident', undefined)).toMatchObject({ pages: [], cursor: undefined });
  });
});

describe('ServiceNow streams: modes, tables and failures', () => {
  it('full mode ignores the cursor and re-reads everything', async () => {
    await fakeAt('10:00:00');
    fake.records.seed('change_request', 3);
    const context = instances.context(fake);
    const first = await pollOnce(context, 'change_request', undefined);
    const full = await pollOnce(context, 'change_request', first.cursor, 'full');
    expect(full.ids.sort()).toEqual(first.ids.sort());
    expect(full.ids).toHaveLength(3);
    expect(fake.requests.at(-1)?.query['sysparm_query']).toBe('ORDERBYsys_updated_on^ORDERBYsys_id');
  });

  it('reads the configured table of a stream', async () => {
    await fakeAt('10:00:00');
    fake.records.seed('u_grc_task', 2);
    fake.records.seed('sc_task', 1);
    const context = instances.context(fake, { config: { tables: { sc_task: 'u_grc_task' } } });
    expect((await pollOnce(context, 'sc_task', undefined)).ids).toHaveLength(2);
    expect(fake.requests[0]?.path).toBe('/api/now/table/u_grc_task');
  });

  it('fails with upstream_bad_response when the body has no result array', async () => {
    await fakeAt('10:00:00');
    fake.failNext(1, { status: 200, body: { records: [] } });
    const context = instances.context(fake);
    await expect(pollOnce(context, 'incident', undefined)).rejects.toMatchObject({ code: 'upstream_bad_response' });
  });

  it('fails with upstream_bad_response, not retried, on a 200 with an HTML page', async () => {
    // ASSUMPTION (not in the fact sheet, which says nothing about hibernation): a hibernating
    // developer instance answers 200 with a wake-up page. The README says what that gives.
    await fakeAt('10:00:00');
    fake.failNext(4, { status: 200, body: '<html><title>Instance Hibernating page</title></html>', headers: { 'content-type': 'text/html' } });
    const context = instances.context(fake);
    await expect(pollOnce(context, 'incident', undefined)).rejects.toMatchObject({ code: 'upstream_bad_response', transient: false });
    expect(fake.requests).toHaveLength(1);
  });

  it('treats an HTML 502 page (a gateway in front of the instance) as upstream_unavailable after retries', async () => {
    await fakeAt('10:00:00');
    fake.failNext(4, { status: 502, body: '<html><body>Bad gateway</body></html>', headers: { 'content-type': 'text/html' } });
    const context = instances.context(fake);
    await expect(pollOnce(context, 'incident', undefined)).rejects.toMatchObject({ code: 'upstream_unavailable', transient: true });
    expect(fake.requests).toHaveLength(4);
  });

  it('refuses a cursor it did not write', async () => {
    await fakeAt('10:00:00');
    const context = instances.context(fake);
    const error = await pollOnce(context, 'incident', { since: 'yesterday' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).code).toBe('cursor_expired');
    expect(fake.requests).toHaveLength(0);
  });
});

// A cursor is a position in one table read with one query. A stream pointed at another table, or
// given another query, must not resume from it: the new table's records (or those the new query
// lets in) updated before the cursor's second would be skipped without a word. It is read from its
// start instead. Cursors stored before they named their table and query resume as they are.
describe('ServiceNow streams: a cursor of another table or query', () => {
  /** The encoded queries the fake was sent from the `from`th request on. */
  const queriesFrom = (from: number) => fake.requests.slice(from).map((request) => request.query['sysparm_query']);

  it('reads a stream pointed at another table from its start', async () => {
    const setClock = await fakeAt('09:00:00');
    // Sorted: the records of one second are read in sys_id order.
    const custom = fake.records.seed('u_grc_incident', 3).map((r) => r['sys_id']).sort();
    setClock('10:00:00');
    fake.records.seed('incident', 2);
    const before = await pollOnce(instances.context(fake), 'incident', undefined);
    expect(before.cursor).toMatchObject({ updatedOn: '2024-05-01 10:00:00', table: 'incident' });

    const sent = fake.requests.length;
    const repointed = instances.context(fake, { config: { tables: { incident: 'u_grc_incident' } } });
    const after = await pollOnce(repointed, 'incident', before.cursor);
    expect(after.ids).toEqual(custom);
    expect(queriesFrom(sent)).toEqual(['ORDERBYsys_updated_on^ORDERBYsys_id']);
    expect(after.cursor).toMatchObject({ updatedOn: '2024-05-01 09:00:00', table: 'u_grc_incident' });
    // From then on the new table resumes from its own cursor.
    expect((await pollOnce(repointed, 'incident', after.cursor)).ids).toEqual([]);
  });

  it('reads the stream from its start when its query is given, changed or dropped', async () => {
    const setClock = await fakeAt('09:00:00');
    // Sorted: the records of one second are read in sys_id order.
    const inactive = fake.records.seed('incident', 2, () => ({ active: 'false' })).map((r) => r['sys_id']).sort();
    setClock('10:00:00');
    const active = fake.records.seed('incident', 2, () => ({ active: 'true' })).map((r) => r['sys_id']).sort();

    const all = await pollOnce(instances.context(fake), 'incident', undefined);
    const given = await pollOnce(instances.context(fake, { config: { query: 'active=true' } }), 'incident', all.cursor);
    expect(given.ids).toEqual(active);
    expect(given.cursor).toMatchObject({ updatedOn: '2024-05-01 10:00:00', table: 'incident', query: 'active=true' });

    const changed = await pollOnce(instances.context(fake, { config: { query: 'active=false' } }), 'incident', given.cursor);
    expect(changed.ids).toEqual(inactive);
    expect(changed.cursor).toMatchObject({ updatedOn: '2024-05-01 09:00:00', query: 'active=false' });

    const sent = fake.requests.length;
    const dropped = await pollOnce(instances.context(fake), 'incident', changed.cursor);
    expect(dropped.ids).toEqual([...inactive, ...active]);
    expect(queriesFrom(sent)[0]).toBe('ORDERBYsys_updated_on^ORDERBYsys_id');
    expect(dropped.cursor).not.toHaveProperty('query');
  });

  it('resumes a cursor stored before cursors named their table and query, and names them with its next page', async () => {
    const setClock = await fakeAt('09:00:00');
    fake.records.seed('u_grc_incident', 2);
    setClock('10:00:00');
    const newer = fake.records.upsert('u_grc_incident')['sys_id'];
    const context = instances.context(fake, { config: { tables: { incident: 'u_grc_incident' }, query: 'active=true' } });
    fake.records.touch('u_grc_incident', newer ?? '', { active: 'true' });
    const stored = { updatedOn: '2024-05-01 09:30:00', seenAtUpdatedOn: [] };

    const resumed = await pollOnce(context, 'incident', stored);
    expect(resumed.ids).toEqual([newer]);
    expect(queriesFrom(0)[0]).toBe('active=true^sys_updated_on>=2024-05-01 09:30:00^ORDERBYsys_updated_on^ORDERBYsys_id');
    expect(resumed.cursor).toEqual({ updatedOn: '2024-05-01 10:00:00', seenAtUpdatedOn: [`${newer}@1`], instance: new URL(fake.url).origin, table: 'u_grc_incident', query: 'active=true' });
  });
});
