import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, syncAndWait } from '../../test-support/testkit-integration.ts';
import { captureLog } from '../../test-support/captured-log.ts';

// A polled record may hold text PostgreSQL cannot store as jsonb: U+0000 (a NUL pasted from an
// e-mail into a description) or a lone UTF-16 surrogate (half an emoji), in a value or in a key.
// Stored as it came, one such record fails its whole page, and the run with it; since the cursor
// never gets past that page, every later run fails on it the same way and the stream stops for
// good. Such text is stored with U+FFFD in its place: every record of the page is stored, the run
// succeeds, later pages and later runs follow, and the log says how many records were changed,
// never what they held.
// Testkit pages hold two records: u1 to u4 fill the first two pages, u5 and u6 the third.

const SECRET = 'text-of-the-record';

describe.each(RUNTIME_MODES)('polled records holding unstorable text on $name', ({ name, options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  const dataset = `unstorable-${name}-${Math.random()}`;
  const upstream = testkitUpstream(dataset);
  const log = captureLog();

  beforeAll(async () => {
    test = await startTestHub({ label: 'unstorable', ...options, connectors: [...connectors, testkit], workers: true, logTo: log.stream });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  const warnings = () =>
    log.text()
      .split('\n')
      .filter((line) => line.includes('cannot store'))
      .map((line) => JSON.parse(line) as { level: number; records: number; stream: string });

  it('stores every record with U+FFFD in place of the text, and the stream goes on', async () => {
    upstream.records.set('u1', { note: `pasted from mail:\u0000${SECRET}` });
    upstream.records.set('u2', { [`key\u0000${SECRET}`]: 'value' });
    upstream.records.set('u3', { note: `half an emoji \ud83d${SECRET}` });
    upstream.records.set('u4', { [`\udc00${SECRET}`]: 1, nested: [{ deep: `x\u0000${SECRET}` }] });
    upstream.records.set('u5', { note: 'plain' });
    upstream.records.set('u6', { note: 'plain too' });
    const integration = await createTestkitIntegration(test, tenant, dataset);

    const first = await syncAndWait(test, tenant, integration.id);
    expect(first).toMatchObject({ status: 'succeeded', errorCode: null, pages: 3, records: { seen: 6, new: 6, changed: 0 } });
    const payloads = await test.hub.db
      .selectFrom('integration_events')
      .select(['external_id', 'payload'])
      .where('integration_id', '=', integration.id)
      .orderBy('external_id')
      .execute();
    expect(payloads).toEqual([
      { external_id: 'u1', payload: { id: 'u1', note: `pasted from mail:\ufffd${SECRET}` } },
      { external_id: 'u2', payload: { id: 'u2', [`key\ufffd${SECRET}`]: 'value' } },
      { external_id: 'u3', payload: { id: 'u3', note: `half an emoji \ufffd${SECRET}` } },
      { external_id: 'u4', payload: { id: 'u4', [`\ufffd${SECRET}`]: 1, nested: [{ deep: `x\ufffd${SECRET}` }] } },
      { external_id: 'u5', payload: { id: 'u5', note: 'plain' } },
      { external_id: 'u6', payload: { id: 'u6', note: 'plain too' } },
    ]);

    // One warning per page that needed it, with the count; the text itself is never logged.
    expect(warnings().map(({ level, records, stream }) => ({ level, records, stream }))).toEqual([
      { level: 40, records: 2, stream: 'items' },
      { level: 40, records: 2, stream: 'items' },
    ]);
    expect(log.text()).not.toContain(SECRET);

    // The cursor got past them: the next run reads what came after, and nothing else.
    upstream.records.set('u7', { note: 'later' });
    const next = await syncAndWait(test, tenant, integration.id);
    expect(next).toMatchObject({ status: 'succeeded', records: { seen: 1, new: 1, changed: 0 } });

    // Read again, they hash as they were stored: unchanged, no new event.
    const again = await syncAndWait(test, tenant, integration.id, 'full');
    expect(again).toMatchObject({ status: 'succeeded', records: { seen: 7, new: 0, changed: 0 } });
  });
});
