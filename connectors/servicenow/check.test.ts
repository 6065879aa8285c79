import { describe, expect, it } from 'vitest';
import { servicenow } from './connector.ts';
import { perTestServiceNow } from './test-context.testing.ts';

const instances = perTestServiceNow();

describe('ServiceNow check', () => {
  it('reads one incident and says which, as whom', async () => {
    const fake = await instances.start({ auth: { basic: { user: 'svc-grc', pass: 'secret' } } });
    fake.records.upsert('incident', { number: 'INC0010023' });
    const context = instances.context(fake);
    expect(await servicenow.check(context.ctx)).toEqual({ ok: true, detail: 'read incident INC0010023 as svc-grc' });
    expect(fake.requests[0]?.query).toEqual({ sysparm_limit: '1', sysparm_fields: 'sys_id,number,sys_updated_on' });
  });

  it('passes on an empty table but says so', async () => {
    const fake = await instances.start();
    const context = instances.context(fake);
    expect((await servicenow.check(context.ctx)).detail).toBe('connected as svc-grc; incident returned no records (the table is empty or the user may read none)');
  });
});
