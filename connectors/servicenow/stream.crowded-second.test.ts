import { describe, expect, it } from 'vitest';
import type { FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { servicenow } from './connector.ts';
import { pageReads, perTestServiceNow, pollOnce, type TestContext } from './test-context.testing.ts';

// More records share one sys_updated_on second than fit on a page. The poll reads that second by
// keyset, `sys_updated_on=<T>^sys_id><last sys_id read>`, and then `sys_updated_on><T>`, rather
// than by the Link header's offsets, which shift when a record already read is updated mid-run.
// ASSUMPTION (not in the fact sheet): `sys_id>` on this string field compares the way
// ORDERBYsys_id sorts (32 lower-case hex characters); the fake compares the strings.

const instances = perTestServiceNow();
let fake: FakeServiceNow;
let context: TestContext;

const T = '2024-05-01 10:00:00';
const ORDER = 'ORDERBYsys_updated_on^ORDERBYsys_id';

async function fakeAt(time: string) {
  const started = await instances.startAt(time);
  fake = started.fake;
  return started.setClock;
}

function sortedIds(): string[] {
  return fake.records.list('incident').map((r) => r['sys_id'] ?? '').sort();
}

/** The page reads' queries, without the time zone check each run makes once. */
function queries(): string[] {
  return pageReads(fake).map((r) => r.query['sysparm_query'] ?? '');
}

/** Polls `incident` once, calling `afterPage` with the pages read so far before each next request. */
async function poll(cursor: unknown, afterPage: (pages: number) => void = () => undefined): Promise<string[]> {
  if (context === undefined) throw new Error('create the context first');
  const ids: string[] = [];
  let pages = 0;
  for await (const page of servicenow.streams['incident']!.poll(context.ctx, cursor, 'incremental')) {
    ids.push(...page.records.map((r) => r.externalId));
    afterPage(++pages);
  }
  return ids;
}

/** The next list request answers 200 with these records and a `next` link, as ACLs can make it. */
function scriptNextPage(ids: string[], nextUrl = `${fake.url}/api/now/table/incident?sysparm_offset=99`): void {
  const result = ids.map((id) => fake.records.get('incident', id));
  fake.failNext(1, { status: 200, body: { result }, headers: { link: `<${nextUrl}>;rel="next"` } });
}

describe('ServiceNow streams: a second with more records than a page', () => {
  it('does not lose a record when one already read is updated mid-run (regression: shifted offsets)', async () => {
    const setClock = await fakeAt('10:00:00');
    fake.records.seed('incident', 5);
    const ids = sortedIds();
    context = instances.context(fake, { config: { pageSize: 2 } });
    const delivered = await poll(undefined, (pages) => {
      // The first record read moves to the end of the result; an offset read would now skip ids[4].
      if (pages === 2) {
        setClock('10:00:01');
        fake.records.touch('incident', ids[0] ?? '', { state: '2' });
      }
    });
    expect(delivered).toEqual([...ids, ids[0]]);
    expect(fake.requests.some((r) => 'sysparm_offset' in r.query)).toBe(false);
  });

  it('reads the crowded second by keyset, then what follows it, losing and repeating nothing', async () => {
    const setClock = await fakeAt('09:59:59');
    const before = fake.records.upsert('incident')['sys_id'];
    setClock('10:00:00');
    fake.records.seed('incident', 7);
    const crowded = sortedIds().filter((id) => id !== before);
    setClock('10:00:01');
    const after = fake.records.upsert('incident')['sys_id'];
    context = instances.context(fake, { config: { pageSize: 3 } });

    const first = await pollOnce(context, 'incident', undefined);
    expect(first.ids).toEqual([before, ...crowded, after]);
    expect(queries()).toEqual([
      ORDER,
      `sys_updated_on>=${T}^${ORDER}`,
      `sys_updated_on=${T}^sys_id>${crowded[2]}^${ORDER}`,
      `sys_updated_on=${T}^sys_id>${crowded[5]}^${ORDER}`,
      `sys_updated_on>${T}^${ORDER}`,
    ]);
    expect((await pollOnce(context, 'incident', first.cursor)).ids).toEqual([]);
  });

  it('reads a crowded second the same way in a full sync', async () => {
    const setClock = await fakeAt('10:00:00');
    fake.records.seed('incident', 7);
    setClock('10:00:01');
    fake.records.upsert('incident');
    context = instances.context(fake, { config: { pageSize: 3 } });
    const first = await pollOnce(context, 'incident', undefined);
    const firstRequests = queries().length;

    const full = await pollOnce(context, 'incident', first.cursor, 'full');
    expect(full.ids).toEqual(first.ids);
    expect(full.cursor).toEqual(first.cursor);
    expect(queries().slice(firstRequests)).toEqual(queries().slice(0, firstRequests));
    expect(queries().some((q) => q.includes('sys_id>'))).toBe(true);
  });

  it('resumes from a cursor stored in the middle of a crowded second (the cursor format is unchanged)', async () => {
    const setClock = await fakeAt('10:00:00');
    fake.records.seed('incident', 7);
    const ids = sortedIds();
    setClock('10:00:01');
    const later = fake.records.upsert('incident')['sys_id'];
    // What a run that stopped after its first four records of the second has stored.
    const cursor = { updatedOn: T, seenAtUpdatedOn: ids.slice(0, 4).map((id) => `${id}@0`) };
    context = instances.context(fake, { config: { pageSize: 3 } });
    expect(await poll(cursor)).toEqual([...ids.slice(4), later]);
    expect(queries()).toEqual([
      `sys_updated_on>=${T}^${ORDER}`,
      `sys_updated_on=${T}^sys_id>${ids[2]}^${ORDER}`,
      `sys_updated_on=${T}^sys_id>${ids[5]}^${ORDER}`,
      `sys_updated_on>${T}^${ORDER}`,
    ]);
  });

  it('ANDs the configured query to the keyset reads', async () => {
    await fakeAt('10:00:00');
    fake.records.seed('incident', 4, () => ({ active: 'true' }));
    const active = sortedIds();
    fake.records.upsert('incident', { active: 'false' });
    context = instances.context(fake, { config: { pageSize: 2, query: 'active=true' } });
    expect(await poll(undefined)).toEqual(active);
    expect(queries()).toEqual([
      `active=true^${ORDER}`,
      `active=true^sys_updated_on=${T}^sys_id>${active[1]}^${ORDER}`,
      `active=true^sys_updated_on>${T}^${ORDER}`,
    ]);
  });
});

describe('ServiceNow streams: pages that ACLs shortened inside a crowded second (ASSUMPTION, see README)', () => {
  it('continues after a short first page of the second instead of stalling there', async () => {
    await fakeAt('10:00:00');
    fake.records.seed('incident', 5);
    const ids = sortedIds();
    const cursor = { updatedOn: T, seenAtUpdatedOn: ids.slice(0, 3).map((id) => `${id}@0`) };
    context = instances.context(fake, { config: { pageSize: 3 } });
    scriptNextPage(ids.slice(0, 2));
    expect(await poll(cursor)).toEqual(ids.slice(3));
  });

  it('keeps reading the second after a short keyset page that still has a next link', async () => {
    await fakeAt('10:00:00');
    fake.records.seed('incident', 7);
    const ids = sortedIds();
    context = instances.context(fake, { config: { pageSize: 3 } });
    // The second page holds one record of three; ending the second there would lose ids[4..6].
    const delivered = await poll(undefined, (pages) => {
      if (pages === 1) scriptNextPage(ids.slice(3, 4));
    });
    expect(delivered).toEqual(ids);
    expect(queries()).toContain(`sys_updated_on=${T}^sys_id>${ids[3]}^${ORDER}`);
  });

  it('follows the offset link when a keyset page comes back empty with a next link', async () => {
    await fakeAt('10:00:00');
    fake.records.seed('incident', 8);
    const ids = sortedIds();
    context = instances.context(fake, { config: { pageSize: 3 } });
    const keysetQuery = `sys_updated_on=${T}^sys_id>${ids[2]}^${ORDER}`;
    const offsetLink = `${fake.url}/api/now/table/incident?sysparm_query=${encodeURIComponent(keysetQuery)}&sysparm_limit=3&sysparm_offset=3`;
    // ACLs hid all of ids[3..5]: no sys_id to continue after, so the link's offset is the way on.
    const delivered = await poll(undefined, (pages) => {
      if (pages === 1) scriptNextPage([], offsetLink);
    });
    expect(delivered).toEqual([...ids.slice(0, 3), ...ids.slice(6)]);
    expect(pageReads(fake).map((r) => [r.query['sysparm_query'], r.query['sysparm_offset']])).toEqual([
      [ORDER, undefined],
      [keysetQuery, undefined],
      [keysetQuery, '3'],
      [`sys_updated_on>${T}^${ORDER}`, undefined],
    ]);
  });

  it('fails with upstream_bad_response instead of looping when the instance ignores sys_id>', async () => {
    await fakeAt('10:00:00');
    fake.records.seed('incident', 5);
    const ids = sortedIds();
    context = instances.context(fake, { config: { pageSize: 2 } });
    // The keyset read answered with the second's first page again, as if `sys_id>` were dropped.
    const failure = poll(undefined, (pages) => {
      if (pages === 1) scriptNextPage(ids.slice(0, 2));
    });
    await expect(failure).rejects.toMatchObject({ code: 'upstream_bad_response', message: expect.stringContaining('outside the query') });
  });
});
