import { beforeEach, describe, expect, it } from 'vitest';
import type { FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { ConnectorError } from '../sdk/failure.ts';
import { servicenow } from './connector.ts';
import { perTestServiceNow } from './test-context.testing.ts';

// Writes the instance answers with success without carrying out. A GRC audit trail must not show a
// note or a state that is not on the record, and the failure must not be tried again into a
// second note once it does land.
//
// ASSUMPTION (not in the fact sheet): a field the integration user may not write (a field write
// ACL) or a field the table does not have (work_notes on a table without that journal field) is
// left out of the update, and the PATCH still answers 200 with the record as it stands. The fake
// plays this with refuseWrites.
// ASSUMPTION (not in the fact sheet): adding a journal entry through the Table API is an update of
// the record, so sys_mod_count moves; an update that changed nothing leaves it where it was.

const instances = perTestServiceNow();
let fake: FakeServiceNow;
beforeEach(async () => {
  fake = await instances.start();
});

/** Runs the action as the runtime does: again, in a new run, after a transient failure (3 runs at most). */
async function runLikeRuntime(name: string, input: unknown): Promise<{ runs: number; error: unknown }> {
  const action = servicenow.actions?.[name];
  if (!action) throw new Error(`no action ${name}`);
  let error: unknown;
  for (let runs = 1; runs <= 3; runs++) {
    try {
      await action.run(instances.context(fake).ctx, action.input.parse(input), { idempotencyKey: 'route-1:event-1' });
      return { runs, error: undefined };
    } catch (failure) {
      error = failure;
      if (!(failure instanceof ConnectorError) || !failure.transient) return { runs, error };
    }
  }
  return { runs: 3, error };
}

describe('add_work_note when the instance answers 200 without writing the note', () => {
  it('fails for good with permission_denied naming the field to grant, and sends the note once', async () => {
    const incident = fake.records.upsert('incident', { short_description: 'x' });
    const sysId = incident['sys_id'] ?? '';
    fake.records.refuseWrites('incident', 'work_notes');

    const { runs, error } = await runLikeRuntime('add_work_note', { sys_id: sysId, note: 'Evidence requested' });

    expect(fake.records.journal('incident', sysId)).toEqual([]);
    expect(runs).toBe(1);
    expect(error).toMatchObject({ code: 'permission_denied', transient: false });
    expect((error as Error).message).toContain(`incident ${String(incident['number'])}`);
    expect((error as Error).message).toContain('did not write the work note');
    expect((error as Error).message).toContain('incident.work_notes');
    expect(fake.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('a table without a work_notes journal field fails the same way instead of reporting a note', async () => {
    const record = fake.records.upsert('u_grc_finding', { short_description: 'x' });
    fake.records.refuseWrites('u_grc_finding', 'work_notes');
    const { error } = await runLikeRuntime('add_work_note', { table: 'u_grc_finding', sys_id: record['sys_id'], note: 'n' });
    expect(error).toMatchObject({ code: 'permission_denied', transient: false });
  });

  it('once the field is writable, replaying adds exactly one note', async () => {
    const sysId = fake.records.upsert('incident')['sys_id'] ?? '';
    fake.records.refuseWrites('incident', 'work_notes');
    await runLikeRuntime('add_work_note', { sys_id: sysId, note: 'once' });
    fake.records.allowWrites('incident', 'work_notes');

    const { error } = await runLikeRuntime('add_work_note', { sys_id: sysId, note: 'once' });

    expect(error).toBeUndefined();
    expect(fake.records.journal('incident', sysId).map((entry) => entry.value)).toEqual(['once']);
  });

  it('an answer without sys_mod_count (a read ACL on it) fails for good: the note may or may not be there', async () => {
    const sysId = fake.records.upsert('incident')['sys_id'] ?? '';
    fake.failNext(1, { status: 200, method: 'PATCH', body: { result: { sys_id: sysId, number: 'INC0010001' } } });
    const { runs, error } = await runLikeRuntime('add_work_note', { sys_id: sysId, note: 'n' });
    expect(runs).toBe(1);
    expect(error).toMatchObject({ code: 'permission_denied', transient: false });
    expect((error as Error).message).toContain('incident.sys_mod_count');
    expect(fake.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('a record whose sys_mod_count cannot be read fails before any note is sent', async () => {
    const sysId = fake.records.upsert('incident')['sys_id'] ?? '';
    fake.failNext(1, { status: 200, method: 'GET', body: { result: { sys_id: sysId, number: 'INC0010001' } } });
    const { error } = await runLikeRuntime('add_work_note', { sys_id: sysId, note: 'n' });
    expect(error).toMatchObject({ code: 'permission_denied', transient: false, message: expect.stringContaining('no note was sent') });
    expect(fake.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);
  });
});

describe('change_state when a field write ACL keeps the state', () => {
  it('fails with permission_denied naming the table, the record and the state', async () => {
    const sysId = fake.records.upsert('incident', { state: '2' })['sys_id'] ?? '';
    fake.records.refuseWrites('incident', 'state');
    const { error } = await runLikeRuntime('change_state', { table: 'incident', sys_id: sysId, state: '6' });
    expect(fake.records.get('incident', sysId)?.['state']).toBe('2');
    expect(error).toMatchObject({ code: 'permission_denied', transient: false });
    expect((error as Error).message).toContain(`incident ${sysId}: the instance answered the update but state is "2", not "6"`);
  });
});
