import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatIdentity } from '../../connectors/sdk/operations.types.ts';
import { TaskAlreadyChanged } from '../../connectors/sdk/task-already-changed.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { openOrUpdateTask } from '../tasks/task.service.ts';
import { createUser, disableUserAccount } from '../users/user.service.ts';
import { hubOperations } from './hub-operations.ts';

// Who a chat user is in the hub decides what they may ask; one who is no one is told why, since
// each reason has its own fix (link the account, enable the hub user).

describe('chat users without an active hub user', () => {
  let test: TestHub;
  let tenant: TestTenant;
  const slack = (userId: string, email?: string): ChatIdentity => ({ platform: 'slack', teamId: 'T1', userId, ...(email ? { email } : {}) });
  const ops = () => hubOperations(test.hub, tenant.id);

  beforeAll(async () => {
    test = await startTestHub({ label: 'hub-operations' });
    tenant = await test.createTenant('acme');
    for (const [email, role] of [['gone@example.com', 'operator'], ['left@example.com', 'operator'], ['victor@example.com', 'viewer']] as const) {
      await createUser(test.hub.db, { tenantId: tenant.id, email, name: email, role, password: 'correct horse battery' });
    }
    const linked = await test.request('post', '/api/slack/links', { token: tenant.tokens.admin, body: { teamId: 'T1', userId: 'U0GONE', userEmail: 'gone@example.com' } });
    expect(linked.status).toBe(201);
    await disableUserAccount(test.hub.db, tenant.id, 'gone@example.com', new Date());
    await disableUserAccount(test.hub.db, tenant.id, 'left@example.com', new Date());
  });
  afterAll(async () => {
    await test?.close();
  });

  it('tells a Slack user linked to a hub user disabled since that their hub account is disabled, not that they are unlinked', async () => {
    for (const ask of [() => ops().acknowledgeTask(slack('U0GONE'), 'TASK-1'), () => ops().status(slack('U0GONE'))]) {
      const refusal = await ask().then(() => undefined, (error: Error) => error.message);
      expect(refusal).toBe('Your hub account is disabled. Ask an admin to enable it, or to link your chat account to another hub user.');
    }
  });

  it('tells the same to a Slack user whose verified email is a disabled hub user, and links no one', async () => {
    await expect(ops().status(slack('U0LEFT', 'Left@example.com'))).rejects.toThrow(/Your hub account is disabled/);
    expect(await test.hub.db.selectFrom('chat_user_links').selectAll().where('user_id', '=', 'U0LEFT').execute()).toEqual([]);
  });

  it('asks a chat user the platform could not look up to try again, and remembers nothing about them', async () => {
    const unknown: ChatIdentity = { ...slack('U0SLOW'), lookupFailed: true };
    for (const ask of [() => ops().acknowledgeTask(unknown, 'TASK-1'), () => ops().status(unknown)]) {
      const refusal = await ask().then(() => undefined, (error: Error) => error.message);
      expect(refusal).toBe('The hub could not look up your chat account just now, so it cannot tell which hub user you are. Please try again in a moment.');
    }
    expect(await test.hub.db.selectFrom('chat_user_links').selectAll().where('user_id', '=', 'U0SLOW').execute()).toEqual([]);
    // Once the platform answers, the same person is linked by their email as anyone else.
    await expect(ops().status(slack('U0SLOW', 'victor@example.com'))).resolves.toBeInstanceOf(Array);
  });

  it('needs no lookup for a chat user an admin linked: their link says who they are', async () => {
    await test.request('post', '/api/slack/links', { token: tenant.tokens.admin, body: { teamId: 'T1', userId: 'U0LINKED', userEmail: 'victor@example.com' } });
    await expect(ops().status({ ...slack('U0LINKED'), lookupFailed: true })).resolves.toBeInstanceOf(Array);
  });

  it('answers runbook, like status, only for linked users: unlinked and disabled ones are refused, a viewer is answered', async () => {
    await expect(ops().runbook(slack('U0NOBODY', 'nobody@elsewhere.example'), 'auth_invalid')).rejects.toThrow(/not linked to a hub user/);
    await expect(ops().runbook(slack('U0GONE'), 'auth_invalid')).rejects.toThrow(/Your hub account is disabled/);
    await expect(ops().runbook(slack('U0VICTOR', 'victor@example.com'), 'auth_invalid')).resolves.toMatchObject({ code: 'auth_invalid', url: expect.stringContaining('auth_invalid') });
  });

  it('finds an integration by its id in upper case, as many tools print UUIDs', async () => {
    const row = await test.hub.db
      .insertInto('integration_configs')
      .values({ tenant_id: tenant.id, connector: 'servicenow', name: 'Upper id', environment: 'production' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const [found] = await ops().status(slack('U0VICTOR', 'victor@example.com'), row.id.toUpperCase());
    expect(found).toMatchObject({ name: 'Upper id' });
  });

  it('gives a runbook\'s meaning as one paragraph: the page\'s hard line breaks would break a chat message mid-sentence', async () => {
    const { summary } = await ops().runbook(slack('U0VICTOR', 'victor@example.com'), 'auth_invalid');
    expect(summary).not.toContain('\n');
    expect(summary).toMatch(/^The upstream system answered that the credential .* is not valid \(HTTP 401/);
  });

  async function openTaskOf(name: string): Promise<string> {
    const integration = await test.hub.db
      .insertInto('integration_configs')
      .values({ tenant_id: tenant.id, connector: 'servicenow', name, environment: 'production' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { task } = await openOrUpdateTask(test.hub, { tenantId: tenant.id, integrationId: integration.id, integrationName: name, code: 'auth_invalid', message: '401', operation: 'poll:incident' });
    return `TASK-${task.number}`;
  }
  const refusalOf = (work: Promise<unknown>) => work.then(() => undefined, (error: unknown) => error);

  it('tells the second person to acknowledge or resolve a task who did it first, as the task\'s label for the chat to name, and that nothing is left to do', async () => {
    const operator = { ...slack('U0OPS2', 'ops2@example.com'), userName: 'ops2' };
    await createUser(test.hub.db, { tenantId: tenant.id, email: 'ops2@example.com', name: 'ops2', role: 'operator', password: 'correct horse battery' });
    const key = await openTaskOf('SN twice');
    const first = 'slack:T1:U0OPS2 ops2 (ops2@example.com)';

    await ops().acknowledgeTask(operator, key);
    const acknowledged = await refusalOf(ops().acknowledgeTask(operator, key));
    expect(acknowledged).toBeInstanceOf(TaskAlreadyChanged);
    expect(acknowledged).toMatchObject({ reason: 'conflict', key, status: 'acknowledged', actor: first, message: `${key} is already acknowledged; nothing to do.` });
    await ops().resolveTask(operator, key, 'fixed');
    for (const again of [() => ops().acknowledgeTask(operator, key), () => ops().resolveTask(operator, key)]) {
      expect(await refusalOf(again())).toMatchObject({ key, status: 'resolved', actor: first, message: `${key} is already resolved; nothing to do.` });
    }
  });

  it('of two people pressing Acknowledge at once, acknowledges for one and tells the other who, in no message carrying an email', async () => {
    const people = [
      { ...slack('U0RACEA'), userName: 'ann', email: 'race-a@example.com' },
      { ...slack('U0RACEB'), userName: 'bob', email: 'race-b@example.com' },
    ];
    for (const person of people) await createUser(test.hub.db, { tenantId: tenant.id, email: person.email, name: person.userName, role: 'operator', password: 'correct horse battery' });
    const key = await openTaskOf('SN raced');

    const outcomes = await Promise.allSettled(people.map((person) => ops().acknowledgeTask(person, key)));

    const won = outcomes.findIndex((outcome) => outcome.status === 'fulfilled');
    const lost = outcomes.find((outcome) => outcome.status === 'rejected');
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    const winner = people[won]!;
    expect(lost?.reason).toBeInstanceOf(TaskAlreadyChanged);
    expect(lost?.reason).toMatchObject({ key, status: 'acknowledged', actor: `slack:T1:${winner.userId} ${winner.userName} (${winner.email})` });
    expect((lost?.reason as Error).message).not.toContain('@');
  });

  it('names the unresolved tasks of each integration in status, those waiting for someone first, and counts them', async () => {
    const integration = await test.hub.db
      .insertInto('integration_configs')
      .values({ tenant_id: tenant.id, connector: 'servicenow', name: 'SN listed', environment: 'production' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const open = (code: string) => openOrUpdateTask(test.hub, { tenantId: tenant.id, integrationId: integration.id, integrationName: 'SN listed', code, message: 'down', operation: 'poll:incident' });
    const keys: string[] = [];
    for (const code of ['auth_invalid', 'upstream_unavailable', 'rate_limited', 'network_error']) keys.push(`TASK-${(await open(code)).task.number}`);
    const operator = slack('U0OPS2', 'ops2@example.com');
    await ops().acknowledgeTask(operator, keys[0]!);
    await ops().resolveTask(operator, keys[3]!);

    const [status] = await ops().status(operator, 'SN listed');

    expect(status).toMatchObject({ openTasks: 3, unresolvedTasks: [{ key: keys[1], acknowledged: false }, { key: keys[2], acknowledged: false }, { key: keys[0], acknowledged: true }] });
  });
});
