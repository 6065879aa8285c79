import { beforeEach, describe, expect, it } from 'vitest';
import { startFakeServiceNow, type FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { ConnectorError } from '../sdk/failure.ts';
import { OutcomeUnknown } from '../sdk/outcome-unknown.ts';
import { servicenow } from './connector.ts';
import { perTestServiceNow, type TestContextOptions } from './test-context.testing.ts';

// add_work_note and attach_file are not idempotent: each PATCH adds a journal entry, each upload
// another attachment. When the instance acted and its answer was lost (a reset, a timeout, a 5xx
// after the fact), a transient error would make the runtime run the action again (it re-queues
// every transient failure), and the record would get the note or the file twice (DESIGN.md: at
// most one effect per event). Only failures that prove nothing happened stay transient.

const instances = perTestServiceNow();
let fake: FakeServiceNow;
beforeEach(async () => {
  fake = await instances.start();
});

/** Runs the action as the runtime does: again, in a new run, after a transient failure (3 runs at most). */
async function runLikeRuntime(name: string, input: unknown, options: TestContextOptions = {}): Promise<{ runs: number; error: unknown }> {
  const action = servicenow.actions?.[name];
  if (!action) throw new Error(`no action ${name}`);
  let error: unknown;
  for (let runs = 1; runs <= 3; runs++) {
    try {
      await action.run(instances.context(fake, options).ctx, action.input.parse(input), { idempotencyKey: 'route-1:event-1' });
      return { runs, error: undefined };
    } catch (failure) {
      error = failure;
      if (!(failure instanceof ConnectorError) || !failure.transient) return { runs, error };
    }
  }
  return { runs: 3, error };
}

function attachInput(sysId: string | undefined) {
  return { table: 'incident', sys_id: sysId, file_name: 'scan.pdf', content_type: 'application/pdf', content_base64: 'JVBERi0=' };
}

describe('ServiceNow writes whose outcome is unknown are not repeated', () => {
  it('add_work_note: a note the instance took but whose answer was lost is there once, and the run fails for good', async () => {
    const sysId = fake.records.upsert('incident')['sys_id'] ?? '';
    fake.loseAnswer(1, { method: 'PATCH', path: '/api/now/table/incident/' });

    const { runs, error } = await runLikeRuntime('add_work_note', { sys_id: sysId, note: 'Evidence requested' });

    expect(fake.records.journal('incident', sysId).map((entry) => entry.value)).toEqual(['Evidence requested']);
    expect(runs).toBe(1);
    expect(error).toBeInstanceOf(OutcomeUnknown);
    // The runbook stays network_error's; the message says why it is not tried again.
    expect(error).toMatchObject({ code: 'network_error', transient: false, message: expect.stringContaining(`may have added the work note to incident ${sysId} anyway`) });
  });

  it('attach_file: an upload the instance stored but whose answer was lost is there once', async () => {
    const sysId = fake.records.upsert('incident')['sys_id'];
    fake.loseAnswer(1, { method: 'POST', path: '/api/now/attachment/file' });

    const { error } = await runLikeRuntime('attach_file', attachInput(sysId));

    expect(fake.attachments).toHaveLength(1);
    expect(error).toMatchObject({ code: 'network_error', transient: false, message: expect.stringContaining('may have attached scan.pdf') });
  });

  it('a 5xx answer is not proof either: upstream_unavailable, not transient, sent once', async () => {
    const sysId = fake.records.upsert('incident')['sys_id'] ?? '';
    fake.failNext(1, { status: 503, method: 'PATCH' });

    const { runs, error } = await runLikeRuntime('add_work_note', { sys_id: sysId, note: 'once' });

    expect(runs).toBe(1);
    expect(error).toMatchObject({ code: 'upstream_unavailable', status: 503, transient: false });
    expect(fake.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });
});

describe('ServiceNow writes that provably did not happen are tried again by the runtime', () => {
  it('a 429 (refused before acting) stays transient: the next run adds the note, once', async () => {
    const sysId = fake.records.upsert('incident')['sys_id'] ?? '';
    fake.failNext(1, { status: 429, retryAfter: 1, method: 'PATCH' });

    const { runs, error } = await runLikeRuntime('add_work_note', { sys_id: sysId, note: 'after the limit' });

    expect([runs, error]).toEqual([2, undefined]);
    expect(fake.records.journal('incident', sysId).map((entry) => entry.value)).toEqual(['after the limit']);
  });

  it('a token endpoint that failed before the upload was sent stays transient (OAuth)', async () => {
    const oauth = { clientId: 'hub-client', clientSecret: 'hub-secret', users: { 'svc-grc': 'pw' } };
    fake.setAuth({ oauth });
    const sysId = fake.records.upsert('incident')['sys_id'];
    fake.failNext(1, { status: 503, path: '/oauth_token.do' });
    const credentials = { auth: { type: 'oauth2' as const, grant: 'password' as const, ...oauth, username: 'svc-grc', password: 'pw' } };

    const { runs, error } = await runLikeRuntime('attach_file', attachInput(sysId), { credentials });

    expect([runs, error]).toEqual([2, undefined]);
    expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'POST /oauth_token.do 503',
      'POST /oauth_token.do 200',
      'POST /api/now/attachment/file 201',
    ]);
    expect(fake.attachments).toHaveLength(1);
  });

  it('an instance that refused the connection stays transient (network_error)', async () => {
    const closed = await startFakeServiceNow();
    await closed.close();
    const action = servicenow.actions!['add_work_note']!;
    const error = await action.run(instances.context(closed).ctx, action.input.parse({ sys_id: 'a'.repeat(32), note: 'x' }), { idempotencyKey: 'k' }).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(OutcomeUnknown);
    expect(error).toMatchObject({ code: 'network_error', transient: true, message: expect.stringContaining('ECONNREFUSED') });
  });
});
