import { beforeEach, describe, expect, it } from 'vitest';
import type { FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { servicenow } from './connector.ts';
import { perTestServiceNow, type TestContextOptions } from './test-context.testing.ts';

// An action the instance refuses fails with a message that says what to fix, not only the status:
// the operator reading the task has the route's input in mind (a table, a sys_id, a state, a
// file), not the Table API's paths.

const instances = perTestServiceNow();
let fake: FakeServiceNow;
beforeEach(async () => {
  fake = await instances.start({ strictTables: true });
});

async function failure(name: string, input: unknown, config: TestContextOptions['config'] = {}): Promise<{ code?: string; transient?: boolean; message: string }> {
  const action = servicenow.actions?.[name];
  if (!action) throw new Error(`no action ${name}`);
  const error = await action.run(instances.context(fake, { config }).ctx, action.input.parse(input), { idempotencyKey: 'route-1:event-1' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error(`${name} did not fail`);
  return error as never;
}

const missingSysId = 'b'.repeat(32);

describe('a record or table that is not there', () => {
  it('add_work_note on a sys_id the table does not hold names the table and the sys_id', async () => {
    const error = await failure('add_work_note', { sys_id: missingSysId, note: 'n' });
    expect(error).toMatchObject({ code: 'config_invalid', transient: false });
    expect(error.message).toContain(`incident ${missingSysId} does not exist, or the integration user may not read it`);
  });

  it('change_state on a record that is not there names it', async () => {
    const error = await failure('change_state', { table: 'change_request', sys_id: missingSysId, state: '3' });
    expect(error).toMatchObject({ code: 'config_invalid' });
    expect(error.message).toContain(`change_request ${missingSysId} does not exist`);
  });

  it('change_state on a table the instance does not have names the table', async () => {
    // ASSUMPTION (not in the fact sheet): the Table API answers 400 "Invalid table <name>" for a table that does not exist.
    const error = await failure('change_state', { table: 'u_grc_findings', sys_id: missingSysId, state: '3' });
    expect(error).toMatchObject({ code: 'config_invalid', transient: false });
    expect(error.message).toContain('u_grc_findings');
    expect(error.message).toContain('check that the table exists');
  });

  it('create_incident into a configured table the instance does not have names the table and the setting', async () => {
    const error = await failure('create_incident', { short_description: 'Control failed' }, { tables: { incident: 'u_grc_incident' } });
    expect(error).toMatchObject({ code: 'config_invalid', transient: false });
    expect(error.message).toContain('u_grc_incident');
    expect(error.message).toContain('tables.incident');
  });

  it('attach_file to a record that is not there names the table and the sys_id', async () => {
    // The fake answers the Attachment API's 400 for a table_sys_id it does not hold.
    const error = await failure('attach_file', { table: 'incident', sys_id: missingSysId, file_name: 'a.pdf', content_type: 'application/pdf', content_base64: 'JVBERi0=' });
    expect(error).toMatchObject({ code: 'config_invalid', transient: false });
    expect(error.message).toContain(`a.pdf (5 bytes) to incident ${missingSysId}`);
    expect(error.message).toContain('check that the table and the record exist');
  });
});

describe('a write the instance refuses', () => {
  it('change_state refused with 403 (a write ACL, a data policy) names the state and what may need it', async () => {
    const sysId = fake.records.upsert('incident', { state: '2' })['sys_id'] ?? '';
    // ASSUMPTION (not in the fact sheet): a data policy's mandatory fields refuse an update with 403.
    fake.failNext(1, { status: 403, method: 'PATCH', body: { error: { message: 'Operation Failed', detail: 'Data Policy Exception: The following fields are mandatory: Resolution code' }, status: 'failure' } });
    const error = await failure('change_state', { table: 'incident', sys_id: sysId, state: '6' });
    expect(error).toMatchObject({ code: 'permission_denied', transient: false });
    expect(error.message).toContain(`refused to set state of incident ${sysId} to "6"`);
    expect(error.message).toContain('data policy');
  });

  it('create_incident refused with 403 names the table and the grants it needs', async () => {
    fake.failNext(1, { status: 403, method: 'POST' });
    const error = await failure('create_incident', { short_description: 'Control failed' });
    expect(error).toMatchObject({ code: 'permission_denied', transient: false });
    expect(error.message).toContain('the instance refused to create a record in incident');
  });

  it('attach_file over the instance\'s attachment size limit names the file, its size and the property', async () => {
    const sysId = fake.records.upsert('incident')['sys_id'];
    fake.setMaxAttachmentBytes(4);
    const error = await failure('attach_file', { table: 'incident', sys_id: sysId, file_name: 'scan.pdf', content_type: 'application/pdf', content_base64: 'JVBERi0=' });
    expect(fake.attachments).toHaveLength(0);
    expect(error).toMatchObject({ code: 'config_invalid', transient: false });
    expect(error.message).toContain('scan.pdf (5 bytes)');
    expect(error.message).toContain('com.glide.attachment.max_size');
  });

  it('attach_file whose stored size differs from the bytes sent fails rather than reporting the evidence attached', async () => {
    const sysId = fake.records.upsert('incident')['sys_id'] ?? '';
    fake.failNext(1, { status: 201, method: 'POST', body: { result: { sys_id: 'c'.repeat(32), file_name: 'scan.pdf', size_bytes: '0' } } });
    const error = await failure('attach_file', { table: 'incident', sys_id: sysId, file_name: 'scan.pdf', content_type: 'application/pdf', content_base64: 'JVBERi0=' });
    expect(error).toMatchObject({ code: 'upstream_bad_response', transient: false });
    expect(error.message).toContain(`stored scan.pdf on incident ${sysId} with 0 bytes, not the 5 sent`);
  });
});
