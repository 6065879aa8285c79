import { describe, expect, it } from 'vitest';
import type { FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { MAX_EMPTY_PAGES_IN_A_ROW } from './paging.ts';
import { pageReads, perTestServiceNow, pollOnce, type TestContext } from './test-context.testing.ts';

// A page that ACLs emptied is followed by its `next` link, the one way forward from it (see
// paging.ts). An instance, or a proxy in front of it, that keeps answering empty pages with next
// links would keep a run going for ever, none of its pages moving the cursor: the run stops after
// MAX_EMPTY_PAGES_IN_A_ROW such pages, or at once when a link points back at a page already read.
// ASSUMPTION: no instance legitimately answers that many empty pages in a row for a user whose
// stream is narrowed to what it may read, nor links back to an offset it has already served.

const instances = perTestServiceNow();
let fake: FakeServiceNow;
let context: TestContext;

function incidentPage(query: string): string {
  return `${fake.url}/api/now/table/incident?${query}`;
}

function atOffset(offset: number): string {
  return incidentPage(`sysparm_query=ORDERBYsys_updated_on%5EORDERBYsys_id&sysparm_limit=2&sysparm_offset=${offset}`);
}

/** The next list request answers 200 with these records and a `next` link to `nextUrl`. */
function scriptPage(nextUrl: string, result: unknown[] = []): void {
  fake.failNext(1, { status: 200, body: { result }, headers: { link: `<${nextUrl}>;rel="next"` } });
}

/** Empty pages, each linking to the next offset, from `firstOffset` on. */
function scriptEmptyPages(count: number, firstOffset: number): void {
  for (let page = 0; page < count; page++) scriptPage(atOffset(firstOffset + page * 2));
}

async function pollFailure(): Promise<unknown> {
  return pollOnce(context, 'incident', undefined).then(
    () => 'the run ended without an error',
    (error: unknown) => error,
  );
}

describe('ServiceNow streams: empty pages that keep announcing a next page', () => {
  it('stops after MAX_EMPTY_PAGES_IN_A_ROW of them, naming the table and what it saw', async () => {
    fake = await instances.start();
    context = instances.context(fake, { config: { pageSize: 2 } });
    scriptEmptyPages(MAX_EMPTY_PAGES_IN_A_ROW + 5, 2);

    const error = await pollFailure();

    expect(error).toMatchObject({
      code: 'upstream_bad_response',
      message: expect.stringContaining(
        `incident: ${MAX_EMPTY_PAGES_IN_A_ROW} pages in a row came back with no records and a next link (the last to sysparm_offset=${MAX_EMPTY_PAGES_IN_A_ROW * 2})`,
      ),
    });
    expect((error as Error).message).toContain('narrow the stream with the query setting');
    expect(pageReads(fake)).toHaveLength(MAX_EMPTY_PAGES_IN_A_ROW);
  });

  it('counts afresh after a page with records', async () => {
    const started = await instances.startAt('10:00:00');
    fake = started.fake;
    const first = fake.records.upsert('incident');
    started.setClock('10:00:01');
    const second = fake.records.upsert('incident');
    context = instances.context(fake, { config: { pageSize: 2 } });
    // Almost a full run of empty pages, a page with records (a full one, so the run goes on),
    // almost a full run again, then the instance's own answer.
    scriptEmptyPages(MAX_EMPTY_PAGES_IN_A_ROW - 1, 2);
    scriptPage(atOffset(10_000), [first, second]);
    scriptEmptyPages(MAX_EMPTY_PAGES_IN_A_ROW - 1, 20_000);

    const { ids } = await pollOnce(context, 'incident', undefined);

    expect(ids).toEqual([first['sys_id'], second['sys_id']]);
  });

  it('does not follow a link back to a page already read since the last record', async () => {
    fake = await instances.start();
    context = instances.context(fake, { config: { pageSize: 2 } });
    scriptPage(atOffset(2));
    scriptPage(atOffset(4));
    // Back to the second page, its parameters in another order.
    scriptPage(incidentPage('sysparm_offset=2&sysparm_limit=2&sysparm_query=ORDERBYsys_updated_on%5EORDERBYsys_id'));
    scriptEmptyPages(5, 6);

    const error = await pollFailure();

    expect(error).toMatchObject({
      code: 'upstream_bad_response',
      message: "incident: an empty page's next link (sysparm_offset=2) points back at a page this run already read, with no record read since; it is not followed again",
    });
    expect(pageReads(fake)).toHaveLength(3);
  });

  it('does not follow a link to the page just read, written with its parameters in another order', async () => {
    fake = await instances.start();
    context = instances.context(fake, { config: { pageSize: 2 } });
    scriptPage(atOffset(2));
    scriptPage(incidentPage('sysparm_limit=2&sysparm_offset=2&sysparm_query=ORDERBYsys_updated_on%5EORDERBYsys_id'));
    scriptEmptyPages(5, 4);

    await expect(pollFailure()).resolves.toMatchObject({ code: 'upstream_bad_response', message: expect.stringContaining('points back at a page this run already read') });
    expect(pageReads(fake)).toHaveLength(2);
  });
});
