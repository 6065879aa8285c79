import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../sdk/failure.ts';
import { servicenow } from './connector.ts';
import { perTestServiceNow, pollOnce } from './test-context.testing.ts';

// When the instance refuses, the run, the task and the alert carry its own words (error.message
// and error.detail), next to what the connector explains, so an operator need not reproduce the
// call to learn which data policy, ACL or query clause said no.

const instances = perTestServiceNow();

async function failureOf(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => expect.fail('expected a failure'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

describe("the instance's own reason in failures", () => {
  it('an action refused by a data policy names the policy', async () => {
    const fake = await instances.start();
    const sysId = fake.records.upsert('incident', { state: '2' })['sys_id'] ?? '';
    // ASSUMPTION (not in the fact sheet): a data policy's mandatory fields refuse an update with 403 and this envelope.
    fake.failNext(1, { status: 403, method: 'PATCH', body: { error: { message: 'Operation Failed', detail: 'Data Policy Exception: The following fields are mandatory: Resolution code' }, status: 'failure' } });
    const action = servicenow.actions!['change_state']!;
    const input = action.input.parse({ table: 'incident', sys_id: sysId, state: '6' });
    const error = await failureOf(action.run(instances.context(fake).ctx, input, { idempotencyKey: 'route-1:event-1' }));
    expect(error).toMatchObject({ code: 'permission_denied' });
    expect(error.message).toContain(`refused to set state of incident ${sysId} to "6"`);
    expect(error.message).toContain(`PATCH /api/now/table/incident/${sysId} answered 403: Operation Failed: Data Policy Exception: The following fields are mandatory: Resolution code`);
  });

  it("a poll whose query the instance refuses quotes the instance's complaint", async () => {
    const fake = await instances.start();
    fake.failNext(1, { status: 400, path: '/api/now/table/incident', body: { error: { message: 'Invalid query', detail: 'Field u_gone does not exist on incident' }, status: 'failure' } });
    const error = await failureOf(pollOnce(instances.context(fake, { config: { query: 'u_gone=1' } }), 'incident', undefined));
    expect(error).toMatchObject({ code: 'config_invalid', status: 400 });
    expect(error.message).toBe('GET /api/now/table/incident answered 400: Invalid query: Field u_gone does not exist on incident');
  });

  it('a refused password says what the instance said, and not the password', async () => {
    const fake = await instances.start({ auth: { basic: { user: 'svc-grc', pass: 'rotated' } } });
    const error = await failureOf(servicenow.check(instances.context(fake, { credentials: { auth: { type: 'basic', username: 'svc-grc', password: 'canary-old-password' } } }).ctx));
    expect(error).toMatchObject({ code: 'auth_invalid', status: 401 });
    expect(error.message).toBe('GET /api/now/table/incident answered 401: User Not Authenticated: Required to provide Auth information');
  });
});
