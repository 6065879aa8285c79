import { describe, expect, it } from 'vitest';
import { chatActorLabel } from '../sdk/chat-actor-label.ts';
import type { ChatIdentity, HubOperations, IntegrationStatus, RunbookSummary } from '../sdk/operations.types.ts';
import { TaskAlreadyChanged } from '../sdk/task-already-changed.ts';
import { runCommand } from './commands.ts';

// What a Slack user reads after /hub: what happened, what to do next, times in their own time zone,
// and a runbook they can open.

const who: ChatIdentity = { platform: 'slack', teamId: 'T0001', userId: 'U0OPS' };
const identify = async () => who;

function operations(answers: { status?: IntegrationStatus[]; runbook?: Partial<RunbookSummary> }): HubOperations {
  const task = { key: 'TASK-42', title: 't', status: 'open', code: 'auth_invalid', runbookUrl: 'x' };
  return {
    acknowledgeTask: async () => task,
    resolveTask: async () => task,
    retryIntegration: async (_who, name) => ({ integration: name, runs: 2 }),
    status: async () => answers.status ?? [],
    runbook: async (_who, code) => ({ code, title: 'Credentials rejected', severity: 'high', summary: 'The upstream system refused the credential.', url: 'https://hub.example/admin/runbooks/auth_invalid', ...answers.runbook }),
  };
}

const row = (status: string, lastSuccessAt: string | null): IntegrationStatus => ({ name: `SN ${status}`, connector: 'servicenow', environment: 'production', status, lastSuccessAt, openTasks: 1, unresolvedTasks: [{ key: 'TASK-1', acknowledged: false }] });

describe('/hub replies', () => {
  it('status says when an integration that is not healthy last worked, in the reader\'s time zone', async () => {
    const rows = [row('failing', '2024-05-01T08:00:00.000Z'), row('degraded', null), { ...row('healthy', '2024-05-01T09:00:00.000Z'), openTasks: 0 }];
    const { text } = await runCommand('/hub', 'status', identify, operations({ status: rows }));
    const [failing, degraded, healthy] = text.split('\n');
    // ASSUMPTION (not in the fact sheet): Slack shows `<!date^unix^format|fallback>` in the reader's time zone.
    expect(failing).toContain(`last success <!date^${Date.parse('2024-05-01T08:00:00.000Z') / 1000}^{date_short_pretty} {time}|2024-05-01 08:00 UTC>`);
    expect(degraded).toContain('no success yet');
    // A healthy line stays short.
    expect(healthy).not.toContain('success');
  });

  it('status names the open tasks, so one can be acknowledged straight from the reply, and counts the rest', async () => {
    const keys = (numbers: number[], acknowledged = false) => numbers.map((n) => ({ key: `TASK-${n}`, acknowledged }));
    const rows = [
      { ...row('failing', null), openTasks: 5, unresolvedTasks: [...keys([3, 7, 9]), ...keys([2, 4], true)] },
      { ...row('degraded', null), openTasks: 2, unresolvedTasks: [...keys([12]), ...keys([11], true)] },
    ];
    const { text } = await runCommand('/hub', 'status', identify, operations({ status: rows }));
    const [failing, degraded] = text.split('\n');
    expect(failing).toContain('5 open tasks: TASK-3, TASK-7, TASK-9 and 2 more');
    expect(degraded).toContain('2 open tasks: TASK-12, TASK-11 (acknowledged)');
  });

  it('status marks every state, an unknown one too, rather than leaving a stray space', async () => {
    const { text } = await runCommand('/hub', 'status', identify, operations({ status: [row('unknown', null)] }));
    expect(text).toMatch(/^:\w+: \*SN unknown\*/);
  });

  it('runbook gives a link to open, or says why there is none instead of a repository path to puzzle over', async () => {
    const linked = await runCommand('/hub', 'runbook auth_invalid', identify, operations({}));
    expect(linked.text).toContain('<https://hub.example/admin/runbooks/auth_invalid|Open the runbook>');
    const unlinked = await runCommand('/hub', 'runbook auth_invalid', identify, operations({ runbook: { url: 'runbooks/auth_invalid.md' } }));
    expect(unlinked.text).not.toMatch(/\nrunbooks\/auth_invalid\.md$/);
    expect(unlinked.text).toContain('`runbooks/auth_invalid.md`');
    expect(unlinked.text).toContain('HUB_PUBLIC_URL');
  });

  it('retry says what happens next and where to see it', async () => {
    const { text } = await runCommand('/hub', 'retry SN prod', identify, operations({}));
    expect(text).toContain('Queued 2 runs for SN prod');
    expect(text).toContain('`/hub status SN prod`');
  });
});

describe('/hub ack and resolve of a task someone changed first', () => {
  const olivia = chatActorLabel({ platform: 'slack', teamId: 'T0001', userId: 'U0OPS', userName: 'olivia' }, 'ops@acme.example');
  /** Operations where `actor` acknowledged and resolved every task first. */
  const changedBy = (actor: string, status: 'acknowledged' | 'resolved' = 'acknowledged'): HubOperations => {
    const first = async (_who: ChatIdentity, key: string): Promise<never> => {
      throw new TaskAlreadyChanged({ key, status, actor });
    };
    return { ...operations({}), acknowledgeTask: first, resolveTask: first };
  };
  const reader = (teamId: string) => async (): Promise<ChatIdentity> => ({ platform: 'slack', teamId, userId: 'U0LATE' });

  it('names a Slack member who was first by a mention, as alerts do, and never by email', async () => {
    const { text } = await runCommand('/hub', 'ack TASK-7', reader('T0001'), changedBy(olivia));
    expect(text).toBe(':no_entry: TASK-7 is already acknowledged by <@U0OPS>; nothing to do.');
    const resolved = await runCommand('/hub', 'resolve TASK-7', reader('T0001'), changedBy(olivia, 'resolved'));
    expect(resolved.text).toBe(':no_entry: TASK-7 is already resolved by <@U0OPS>; nothing to do.');
  });

  it('names a member of another workspace than the reader\'s by name: the mention would not resolve there', async () => {
    const { text } = await runCommand('/hub', 'ack TASK-7', reader('T0002'), changedBy(olivia));
    expect(text).toBe(':no_entry: TASK-7 is already acknowledged by olivia; nothing to do.');
  });

  it('names someone who acted in the hub or through the API as alerts do: the label without its email', async () => {
    expect((await runCommand('/hub', 'ack TASK-7', reader('T0001'), changedBy('user:ann@acme.example'))).text).toBe(':no_entry: TASK-7 is already acknowledged by user:ann; nothing to do.');
    expect((await runCommand('/hub', 'ack TASK-7', reader('T0001'), changedBy('token:ci'))).text).toBe(':no_entry: TASK-7 is already acknowledged by token:ci; nothing to do.');
  });

  it('shows what someone made their name as text: it pings no one', async () => {
    const hostile = chatActorLabel({ platform: 'slack', teamId: 'T0001', userId: 'U0OPS', userName: '<!channel>' }, 'ops@acme.example');
    const { text } = await runCommand('/hub', 'ack TASK-7', reader('T0002'), changedBy(hostile));
    expect(text).toBe(':no_entry: TASK-7 is already acknowledged by &lt;!channel&gt;; nothing to do.');
  });
});
