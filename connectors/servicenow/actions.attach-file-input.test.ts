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
