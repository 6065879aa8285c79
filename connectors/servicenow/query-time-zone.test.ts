import { describe, expect, it } from 'vitest';
import type { FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { servicenow } from './connector.ts';
import { at, isTimeZoneProbe, pageReads, perTestServiceNow, pollOnce } from './test-context.testing.ts';

// The cursor's raw UTC sys_updated_on goes back into the next query as a literal. Fact sheet:
// literal query values are treated as UTC — UNCONFIRMED, "give the integration user the UTC time
// zone". ASSUMPTION played by the fake (userUtcOffsetMinutes): an instance reads the literal in the
// user's zone. West of UTC, `sys_updated_on>=T` then starts hours after T, and the records in
// between would be skipped for good by a run that succeeds; so polls and the check ask the
// instance how it reads a date (query-time-zone.ts) and fail with config_invalid naming the fix.

const instances = perTestServiceNow();
let fake: FakeServiceNow;

const UTC_MINUS_5 = -300;

/** A fake instance with one incident updated at each of `times` ('HH:mm:ss' on 2024-05-01, UTC). */
async function instanceWith(times: string[], userUtcOffsetMinutes = 0): Promise<string[]> {
  let now = at('00:00:00');
  fake = await instances.start({ clock: () => now, userUtcOffsetMinutes });
  return times.map((time) => {
    now = at(time);
    return fake.records.upsert('incident')['sys_id'] ?? '';
  });
}

const cursorAt = (time: string) => ({ updatedOn: `2024-05-01 ${time}`, seenAtUpdatedOn: [] });

describe('ServiceNow polls with an integration user west of UTC', () => {
  it('fail with config_invalid naming the fix instead of skipping the records after the cursor', async () => {
    const [missed, later] = await instanceWith(['10:30:00', '16:00:00'], UTC_MINUS_5);
    const context = instances.context(fake);

    const outcome = await pollOnce(context, 'incident', cursorAt('10:00:00')).catch((error: unknown) => error);

    // The instance answered the cursor's query with the 16:00 record only; nothing was delivered.
    expect(pageReads(fake).map((r) => r.status)).toEqual([200]);
    expect(outcome).toMatchObject({
      code: 'config_invalid',
      message: expect.stringContaining(`incident ${later}, updated 2024-05-01 16:00:00 UTC, does not match sys_updated_on>=2024-05-01 16:00:00`),
    });
    expect((outcome as Error).message).toContain("Set the integration user's time zone to UTC");
    expect(missed).toBeDefined();
  });

  it('deliver everything once the user is on UTC, checking once per run', async () => {
    const ids = await instanceWith(['10:30:00', '16:00:00', '16:00:01', '16:00:02'], UTC_MINUS_5);
    fake.setUserUtcOffset(0);
    const context = instances.context(fake, { config: { pageSize: 2 } });

    const result = await pollOnce(context, 'incident', cursorAt('10:00:00'));

    expect(result.ids).toEqual(ids);
    expect(pageReads(fake).length).toBeGreaterThan(1);
    expect(fake.requests.filter(isTimeZoneProbe).map((r) => r.query['sysparm_query'])).toEqual([`sys_id=${ids[0]}^sys_updated_on>=2024-05-01 10:30:00^sys_updated_on<=2024-05-01 10:30:00`]);
  });

  it('a first run reading its first page without a date makes no check until a read has one', async () => {
    await instanceWith(['10:30:00'], UTC_MINUS_5);
    const context = instances.context(fake);
    // One page read without a cursor: no date in the query, nothing the zone could shift.
    expect((await pollOnce(context, 'incident', undefined)).ids).toHaveLength(1);
    expect(fake.requests.filter(isTimeZoneProbe)).toEqual([]);
  });

  it('a record deleted between its page and the check proves nothing: the run goes on', async () => {
    await instanceWith(['10:30:00']);
    const gone = { sys_id: 'f'.repeat(32), sys_updated_on: '2024-05-01 10:20:00', sys_mod_count: '0' };
    fake.failNext(1, { status: 200, body: { result: [gone] } });
    const context = instances.context(fake);

    const result = await pollOnce(context, 'incident', cursorAt('10:00:00'));

    expect(result.ids).toEqual([gone.sys_id]);
    expect(fake.requests.filter(isTimeZoneProbe).map((r) => r.query['sysparm_query'])).toEqual([
      `sys_id=${gone.sys_id}^sys_updated_on>=2024-05-01 10:20:00^sys_updated_on<=2024-05-01 10:20:00`,
      `sys_id=${gone.sys_id}`,
    ]);
  });
});

describe('ServiceNow polls with an integration user east of UTC', () => {
  it('fail with config_invalid too: the instance answers with records older than the cursor, and the probe says why', async () => {
    await instanceWith(['09:00:00', '10:30:00'], 120);
    const context = instances.context(fake);
    await expect(pollOnce(context, 'incident', cursorAt('10:00:00'))).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringContaining("Set the integration user's time zone to UTC") });
  });

  it('an instance that ignores part of the query on a UTC user still fails as upstream_bad_response', async () => {
    await instanceWith(['10:30:00']);
    const old = { sys_id: 'e'.repeat(32), sys_updated_on: '2024-05-01 09:00:00', sys_mod_count: '0' };
    fake.records.upsert('incident', old);
    fake.failNext(1, { status: 200, body: { result: [old] } });
    const context = instances.context(fake);
    await expect(pollOnce(context, 'incident', cursorAt('10:00:00'))).rejects.toMatchObject({ code: 'upstream_bad_response', message: expect.stringContaining('outside the query') });
  });
});

describe('ServiceNow check and the time zone of query dates', () => {
  it('fails with config_invalid when the instance does not read query dates as UTC', async () => {
    await instanceWith(['10:30:00'], UTC_MINUS_5);
    const context = instances.context(fake);
    await expect(servicenow.check(context.ctx)).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringContaining("Set the integration user's time zone to UTC") });
  });

  it('fails with config_invalid east of UTC too, where the record still matches sys_updated_on>=', async () => {
    await instanceWith(['10:30:00'], 120);
    const context = instances.context(fake);
    await expect(servicenow.check(context.ctx)).rejects.toMatchObject({ code: 'config_invalid', message: expect.stringContaining("Set the integration user's time zone to UTC") });
  });

  it('asks again about a record updated between its read and the probe', async () => {
    const [id] = await instanceWith(['10:30:00']);
    const context = instances.context(fake);
    const first = { sys_id: id!, sys_updated_on: '2024-05-01 10:29:00', sys_mod_count: '0' };
    // The check's read saw an older version; the probe with its stamp misses, the record now says 10:30:00.
    fake.failNext(1, { status: 200, body: { result: [first] } });
    expect((await servicenow.check(context.ctx)).ok).toBe(true);
    expect(fake.requests.filter(isTimeZoneProbe).map((r) => r.query['sysparm_query'])).toEqual([
      `sys_id=${id}^sys_updated_on>=2024-05-01 10:29:00^sys_updated_on<=2024-05-01 10:29:00`,
      `sys_id=${id}`,
      `sys_id=${id}^sys_updated_on>=2024-05-01 10:30:00^sys_updated_on<=2024-05-01 10:30:00`,
    ]);
  });

  it('passes on a UTC user after one extra read', async () => {
    const [id] = await instanceWith(['10:30:00']);
    const context = instances.context(fake);
    expect((await servicenow.check(context.ctx)).ok).toBe(true);
    expect(fake.requests.map((r) => r.query['sysparm_query'])).toEqual([undefined, `sys_id=${id}^sys_updated_on>=2024-05-01 10:30:00^sys_updated_on<=2024-05-01 10:30:00`]);
  });
});
