import { afterEach, describe, expect, it } from 'vitest';
import { startFakeServiceNow, type FakeServiceNow } from './index.ts';

// The fake's plays of an instance that does not do what it was asked: fields it will not write,
// tables it does not have, files over its attachment limit.

let fake: FakeServiceNow;
afterEach(async () => {
  await fake.close();
});

function patch(table: string, sysId: string, body: unknown): Promise<Response> {
  return fetch(`${fake.url}/api/now/table/${table}/${sysId}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function result(response: Response): Promise<Record<string, string>> {
  return ((await response.json()) as { result: Record<string, string> }).result;
}

describe('fake ServiceNow refusals', () => {
  it('leaves out a field the user may not write and answers 200 with the record as it stands (ASSUMPTION)', async () => {
    fake = await startFakeServiceNow();
    const sysId = fake.records.upsert('incident', { state: '2' })['sys_id'] ?? '';
    fake.records.refuseWrites('incident', 'work_notes', 'state');

    const response = await patch('incident', sysId, { work_notes: 'dropped', state: '6' });

    expect(response.status).toBe(200);
    expect(await result(response)).toMatchObject({ state: '2', sys_mod_count: '0' });
    expect(fake.records.journal('incident', sysId)).toEqual([]);
  });

  it('writes the fields it may, and allowWrites lifts the refusal', async () => {
    fake = await startFakeServiceNow();
    const sysId = fake.records.upsert('incident', { state: '2' })['sys_id'] ?? '';
    fake.records.refuseWrites('incident', 'state');
    expect(await result(await patch('incident', sysId, { work_notes: 'kept', state: '6' }))).toMatchObject({ state: '2', sys_mod_count: '1' });
    fake.records.allowWrites('incident', 'state');
    expect(await result(await patch('incident', sysId, { state: '6' }))).toMatchObject({ state: '6', sys_mod_count: '2' });
    expect(fake.records.journal('incident', sysId).map((entry) => entry.value)).toEqual(['kept']);
  });

  it('an update that changes nothing is not an update: sys_mod_count stays (ASSUMPTION)', async () => {
    fake = await startFakeServiceNow();
    const sysId = fake.records.upsert('incident', { state: '6' })['sys_id'] ?? '';
    expect(await result(await patch('incident', sysId, { state: '6' }))).toMatchObject({ state: '6', sys_mod_count: '0' });
  });

  it('with strictTables, answers 400 "Invalid table" for a table it does not have (ASSUMPTION)', async () => {
    fake = await startFakeServiceNow({ strictTables: true });
    fake.records.upsert('u_seeded', {});
    const invalid = await fetch(`${fake.url}/api/now/table/u_missing`);
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toEqual({ error: { message: 'Invalid table u_missing', detail: null }, status: 'failure' });
    expect((await patch('u_missing', 'a'.repeat(32), { state: '1' })).status).toBe(400);
    expect((await fetch(`${fake.url}/api/now/table/incident`)).status).toBe(200);
    expect((await fetch(`${fake.url}/api/now/table/u_seeded`)).status).toBe(200);
  });

  it('refuses an upload over its attachment size limit and stores nothing (ASSUMPTION: 413)', async () => {
    fake = await startFakeServiceNow();
    const sysId = fake.records.upsert('incident')['sys_id'];
    fake.setMaxAttachmentBytes(4);
    const upload = (bytes: string) =>
      fetch(`${fake.url}/api/now/attachment/file?table_name=incident&table_sys_id=${sysId}&file_name=a.txt`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: bytes });
    expect((await upload('12345')).status).toBe(413);
    expect((await upload('1234')).status).toBe(201);
    expect(fake.attachments.map((a) => a.bytes.toString())).toEqual(['1234']);
  });
});
