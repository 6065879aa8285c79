import { afterEach, describe, expect, it } from 'vitest';
import { startFakeServiceNow, type FakeServiceNow } from '../../test-support/fake-servicenow/index.ts';
import { servicenow } from './connector.ts';
import { testContext, type TestContext } from './test-context.testing.ts';

let fake: FakeServiceNow;
let context: TestContext;
afterEach(async () => {
  context.breakers.shutdown();
  await fake.close();
});

describe('ServiceNow check', () => {
  it('reads one incident and says which, as whom', async () => {
    fake = await startFakeServiceNow({ auth: { basic: { user: 'svc-grc', pass: 'secret' } } });
    fake.records.upsert('incident', { number: 'INC0010023' });
    context = testContext(fake);
    expect(await servicenow.check(context.ctx)).toEqual({ ok: true, detail: 'read incident INC0010023 as svc-grc' });
    expect(fake.requests[0]?.query).toEqual({ sysparm_limit: '1', sysparm_fields: 'sys_id,number,sys_updated_on' });
  });

  it('passes on an empty table but says so', async () => {
    fake = await startFakeServiceNow();
    context = testContext(fake);
    expect((await servicenow.check(context.ctx)).detail).toBe('connected as svc-grc; incident returned no records (the table is empty or the user may read none)');
  });
});
