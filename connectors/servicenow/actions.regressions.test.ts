import { beforeEach, describe, expect, it } from 'vitest';
import type { FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { servicenow } from './connector.ts';
import { perTestServiceNow, type TestContextOptions } from './test-context.testing.ts';

// Regressions found in review: a state change reported although the instance kept the old state,
// a work note sent to the stock incident table while incidents live in a configured one, and
// file types with parameters refused.

const instances = perTestServiceNow();
let fake: FakeServiceNow;
beforeEach(async () => {
  fake = await instances.start();
});

function run(name: string, input: unknown, config: TestContextOptions['config'] = {}) {
  const context = instances.context(fake, { config });
  const action = servicenow.actions?.[name];
  if (!action) throw new Error(`no action ${name}`);
  return action.run(context.ctx, action.input.parse(input), { idempotencyKey: 'route-1:event-1' });
}

describe('ServiceNow action regressions', () => {
  it('change_state fails when the instance answers 200 but keeps the old state (write ACL, business rule)', async () => {
    const incident = fake.records.upsert('incident', { state: '2' });
    const sysId = incident['sys_id'] ?? '';
    // ASSUMPTION: a refused field write still answers 200 with the record unchanged.
    fake.failNext(1, { status: 200, method: 'PATCH', body: { result: { sys_id: sysId, number: incident['number'], state: '2', sys_mod_count: '1' } } });
    await expect(run('change_state', { table: 'incident', sys_id: sysId, state: '6' })).rejects.toMatchObject({ code: 'permission_denied' });
  });

  it('change_state refuses a state label instead of sending it as the value', () => {
    const parsed = servicenow.actions?.['change_state']?.input.safeParse({ table: 'incident', sys_id: 'a'.repeat(32), state: 'Resolved' });
    expect(parsed?.error?.issues.map((i) => i.message)).toEqual(['state must be the numeric state value, e.g. "6"']);
  });

  it('add_work_note without a table notes the configured incident table, where create_incident puts incidents', async () => {
    const config = { tables: { incident: 'u_grc_incident' } };
    const created = await run('create_incident', { short_description: 'Control failed' }, config);
    await run('add_work_note', { sys_id: created.externalId, note: 'Evidence requested' }, config);
    expect(fake.records.journal('u_grc_incident', created.externalId ?? '').map((e) => e.value)).toEqual(['Evidence requested']);
  });

  it('attach_file accepts a content type with parameters and sends it unchanged', async () => {
    const incident = fake.records.upsert('incident');
    const input = { table: 'incident', sys_id: incident['sys_id'], file_name: 'controls.csv', content_type: 'text/csv; charset=utf-8', content_base64: 'YSxi' };
    await run('attach_file', input);
    expect(fake.requests.find((r) => r.method === 'POST')?.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(fake.attachments[0]?.contentType).toBe('text/csv');
  });
});
