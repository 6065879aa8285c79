import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { testkit, testkitUpstream } from '../../test-support/testkit-connector.ts';
import { createTestkitIntegration, syncAndWait } from '../../test-support/testkit-integration.ts';
import { payloadHash, sha256 } from '../events/payload-hash.ts';

// A run's payload hash covers every payload the run read, whichever attempt read it: each page
// chains its digest onto the hash kept in the run row, in the page's own transaction, so a run
// retried after a transient failure (or taken over after its worker died) reports the same hash
// as a run that read the same pages in one attempt. Kept in one attempt's memory instead, the hash
// would cover the last attempt's pages only, while the run's records.seen counts them all.
// Testkit pages hold two records: six records are three pages.

/** What the hash is: SHA-256 (hex) of the hash so far ('' at first) and the page's digest, page by page. */
function expectedHash(pages: Array<Array<Record<string, unknown>>>): string {
  let hash = '';
  for (const page of pages) hash = sha256(hash + sha256(page.map((payload) => payloadHash(payload)).join('')));
  return hash;
}

describe.each(RUNTIME_MODES)('the payload hash of a retried run on $name', ({ name, options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  const dataset = `hash-${name}-${Math.random()}`;
  const upstream = testkitUpstream(dataset);

  beforeAll(async () => {
    test = await startTestHub({ label: 'hash_chain', ...options, connectors: [...connectors, testkit], workers: true });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('hashes every page the run read, whichever attempt read it', async () => {
    const ids = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];
    for (const id of ids) upstream.records.set(id, { n: id });
    const payloads = ids.map((id) => ({ id, n: id }));
    const expected = expectedHash([payloads.slice(0, 2), payloads.slice(2, 4), payloads.slice(4)]);
    const plain = await createTestkitIntegration(test, tenant, dataset);
    const retried = await createTestkitIntegration(test, tenant, dataset);

    const reference = await syncAndWait(test, tenant, plain.id);
    expect(reference).toMatchObject({ status: 'succeeded', attempts: 1, records: { seen: 6 }, payloadHash: expected });

    // Two pages commit in the first attempt, the third in the second.
    upstream.failures.push({ code: 'network_error', retryAfterMs: 200, afterPages: 2 });
    const run = await syncAndWait(test, tenant, retried.id);
    expect(run).toMatchObject({ status: 'succeeded', attempts: 2, records: { seen: 6, new: 6 }, payloadHash: expected });

    // A full run's pass starts from nothing, not from the hash of an earlier run.
    const full = await syncAndWait(test, tenant, retried.id, 'full');
    expect(full).toMatchObject({ status: 'succeeded', records: { seen: 6, new: 0 }, payloadHash: expected });
  });

  it('keeps the hash of the pages a failed run committed', async () => {
    const failing = `hash-failed-${name}-${Math.random()}`;
    const failingUpstream = testkitUpstream(failing);
    for (const id of ['f1', 'f2', 'f3']) failingUpstream.records.set(id, { n: id });
    const integration = await createTestkitIntegration(test, tenant, failing);
    failingUpstream.failures.push({ code: 'permission_denied', afterPages: 1 });
    const run = await syncAndWait(test, tenant, integration.id);
    expect(run).toMatchObject({ status: 'failed', errorCode: 'permission_denied', pages: 1, records: { seen: 2 } });
    expect(run.payloadHash).toBe(expectedHash([[{ id: 'f1', n: 'f1' }, { id: 'f2', n: 'f2' }]]));
  });
});
