import { beforeEach, describe, expect, it } from 'vitest';
import type { FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { OutcomeUnknown } from '../sdk/outcome-unknown.ts';
import { servicenow } from './connector.ts';
import { perTestServiceNow, type TestContext } from './test-context.testing.ts';

const instances = perTestServiceNow();
let fake: FakeServiceNow;
let context: TestContext;
beforeEach(async () => {
  fake = await instances.start();
  context = instances.context(fake);
});

function run(name: string, input: unknown, idempotencyKey = 'route-1:event-1') {
  const action = servicenow.actions?.[name];
  if (!action) throw new Error(`no action ${name}`);
  return action.run(context.ctx, action.input.parse(input), { idempotencyKey });
}

describe('ServiceNow actions', () => {
  it('create_incident posts once, without retries, and links the new record', async () => {
    const result = await run('create_incident', { short_description: 'Control C-12 failed', urgency: '2', impact: '1', description: 'Evidence missing' });
    const [incident] = fake.records.list('incident');
    expect(incident).toMatchObject({ short_description: 'Control C-12 failed', urgency: '2', impact: '1', description: 'Evidence missing', number: 'INC0010001' });
    expect(result).toEqual({
      externalId: incident?.['sys_id'],
      url: `${fake.url}/incident.do?sys_id=${incident?.['sys_id']}`,
      output: { number: 'INC0010001' },
    });
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('create_incident finds the incident of an earlier attempt with the same idempotency key', async () => {
    const first = await run('create_incident', { short_description: 'once' }, 'route-7:event-9');
    const again = await run('create_incident', { short_description: 'once' }, 'route-7:event-9');
    const other = await run('create_incident', { short_description: 'once' }, 'route-7:event-10');
    expect(again.externalId).toBe(first.externalId);
    expect(other.externalId).not.toBe(first.externalId);
    expect(fake.records.list('incident')).toHaveLength(2);
  });

  it('create_incident does not repeat a POST that failed upstream', async () => {
    fake.failNext(1, { status: 503, method: 'GET' });
    fake.failNext(1, { status: 503, method: 'POST' });
    // The lookup GET is retried through its 503; the POST is not.
    await expect(run('create_incident', { short_description: 'x' })).rejects.toMatchObject({ code: 'upstream_unavailable' });
    expect(fake.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['GET 503', 'GET 200', 'POST 503']);
    expect(fake.records.list('incident')).toHaveLength(0);
  });

  it('add_work_note appends a work note visible in the journal', async () => {
    const incident = fake.records.upsert('incident', { short_description: 'x' });
    const sysId = incident['sys_id'] ?? '';
    const result = await run('add_work_note', { sys_id: sysId, note: 'Evidence attached by the hub' });
    expect(result).toMatchObject({ externalId: sysId, output: { number: incident['number'] } });
    expect(fake.records.journal('incident', sysId).map((e) => [e.element, e.value])).toEqual([['work_notes', 'Evidence attached by the hub']]);
    expect(fake.records.get('incident', sysId)?.['sys_mod_count']).toBe('1');
  });

  it('change_state sets the state of the given table', async () => {
    const change = fake.records.upsert('change_request', { state: '-5' });
    const sysId = change['sys_id'] ?? '';
    const result = await run('change_state', { table: 'change_request', sys_id: sysId, state: '-1' });
    expect(fake.records.get('change_request', sysId)?.['state']).toBe('-1');
    expect(result).toEqual({ externalId: sysId, url: `${fake.url}/change_request.do?sys_id=${sysId}`, output: { number: change['number'], state: '-1' } });
  });

  it('attach_file uploads the raw bytes with their content type', async () => {
    const incident = fake.records.upsert('incident');
    const sysId = incident['sys_id'] ?? '';
    const bytes = Buffer.from('%PDF-1.7 evidence');
    const result = await run('attach_file', { table: 'incident', sys_id: sysId, file_name: 'soc2 report.pdf', content_type: 'application/pdf', content_base64: bytes.toString('base64') });
    const [stored] = fake.attachments;
    expect(stored).toMatchObject({ tableName: 'incident', tableSysId: sysId, fileName: 'soc2 report.pdf', contentType: 'application/pdf' });
    expect(stored?.bytes.equals(bytes)).toBe(true);
    expect(result).toEqual({ externalId: stored?.sysId, url: `${fake.url}/api/now/attachment/${stored?.sysId}`, output: { file_name: 'soc2 report.pdf', size_bytes: String(bytes.length) } });
  });

  it('attach_file is not retried', async () => {
    const incident = fake.records.upsert('incident');
    fake.failNext(1, { status: 500 });
    const input = { table: 'incident', sys_id: incident['sys_id'], file_name: 'a.txt', content_type: 'text/plain', content_base64: 'aGk=' };
    await expect(run('attach_file', input)).rejects.toMatchObject({ code: 'upstream_unavailable' });
    expect(fake.requests).toHaveLength(1);
  });

  it('refuses a field an action does not take (a typo or an unsupported field) instead of dropping it', () => {
    const issues = (name: string, input: unknown) => servicenow.actions?.[name]?.input.safeParse(input).error?.issues.map((i) => i.message);
    // A route template's Urgency would otherwise vanish, and the incident be made without it.
    expect(issues('create_incident', { short_description: 'Control failed', Urgency: '1', category: 'security' })).toEqual(['Unrecognized keys: "Urgency", "category"']);
    expect(issues('add_work_note', { sys_id: 'a'.repeat(32), note: 'x', notes: 'y' })).toEqual(['Unrecognized key: "notes"']);
    expect(issues('change_state', { table: 'incident', sys_id: 'a'.repeat(32), state: '6', State: '7' })).toEqual(['Unrecognized key: "State"']);
    const file = { table: 'incident', sys_id: 'a'.repeat(32), file_name: 'a', content_type: 'text/plain', content_base64: 'aGk=' };
    expect(issues('attach_file', { ...file, filename: 'b' })).toEqual(['Unrecognized key: "filename"']);
  });

  it('validates inputs with readable messages', () => {
    const issues = (name: string, input: unknown) => servicenow.actions?.[name]?.input.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues('create_incident', { short_description: ' ', urgency: '5' })).toEqual([
      'short_description: short_description is required',
      'urgency: must be "1" (high), "2" (medium) or "3" (low)',
    ]);
    expect(issues('add_work_note', { sys_id: 'INC0010001', note: 'x' })).toEqual(['sys_id: sys_id must be the 32-character hexadecimal id of the record']);
    expect(issues('attach_file', { table: 'incident', sys_id: 'a'.repeat(32), file_name: 'a', content_type: 'pdf', content_base64: '!!' })).toEqual([
      'content_type: content_type must be a media type such as application/pdf',
      'content_base64: content_base64 must be base64 (A–Z, a–z, 0–9, + and /, padded with =)',
    ]);
  });
});

const attach = servicenow.actions!['attach_file']!;
const base = { table: 'incident', sys_id: 'a'.repeat(32), file_name: 'scan.bin', content_type: 'application/octet-stream', content_base64: 'SGVsbG8=' };

describe('attach_file input', () => {
  it('refuses a content_type no HTTP header can carry (a letter outside ASCII in a quoted parameter)', () => {
    const parsed = attach.input.safeParse({ ...base, content_type: 'text/plain; name="Bericht–März.txt"' });
    expect(parsed.success).toBe(false);
    expect(attach.input.safeParse({ ...base, content_type: 'text/plain; name="Bericht Maerz.txt"' }).success).toBe(true);
  });

  it('fails a header Node refuses as config_invalid, not as an upload that may have happened', async () => {
    const sysId = fake.records.upsert('incident')['sys_id'];
    // Past the input check (a connector whose own schema lets it through): Node refuses the header
    // before a byte leaves, so nothing can be on the instance.
    const input = { ...base, sys_id: sysId, content_type: 'text/plain; name="Bericht–März.txt"', content_base64: 'SGVsbG8=' };
    const error = await attach.run(context.ctx, input, { idempotencyKey: 'route-1:event-1' }).catch((e: unknown) => e);
    expect(fake.requests).toHaveLength(0);
    expect(error).not.toBeInstanceOf(OutcomeUnknown);
    expect(error).toMatchObject({ code: 'config_invalid', transient: false });
    expect((error as Error).message).toContain('ERR_INVALID_CHAR');
  });

  it('takes base64 as tools write it: wrapped at 76 columns, or ending in a newline', () => {
    const bytes = Buffer.alloc(120, 7);
    const wrapped = bytes.toString('base64').replace(/.{76}/g, '$&\r\n');
    for (const content_base64 of [`${bytes.toString('base64')}\n`, wrapped]) {
      const parsed = attach.input.safeParse({ ...base, content_base64 });
      expect(parsed.success).toBe(true);
      expect(Buffer.from((parsed.data as { content_base64: string }).content_base64, 'base64')).toEqual(bytes);
    }
    expect(attach.input.safeParse({ ...base, content_base64: 'not base64!' }).success).toBe(false);
    expect(attach.input.safeParse({ ...base, content_base64: ' \n ' }).error?.issues[0]?.message).toBe('content_base64 must not be empty');
  });
});

describe('create_incident on an instance that does not store correlation_id', () => {
  // ASSUMPTION (as for state): a field ACL on correlation_id, or a table without it, drops the field
  // and the create still answers 201.
  it('fails for good naming the incident, so no retry or replay makes a second one unknowingly', async () => {
    const insert = fake.records.insert.bind(fake.records);
    fake.records.insert = (table, fields, user) => {
      const { correlation_id: _dropped, ...kept } = fields;
      return insert(table, kept, user);
    };
    const error = await run('create_incident', { short_description: 'Control C-12 failed' }).catch((e: unknown) => e);
    const [incident] = fake.records.list('incident');
    expect(fake.records.list('incident')).toHaveLength(1);
    expect(error).toMatchObject({ code: 'permission_denied', transient: false });
    expect((error as Error).message).toContain(`created incident ${String(incident!['number'])}, but the instance did not store its correlation_id`);
  });
});
