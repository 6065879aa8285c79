import { describe, expect, it } from 'vitest';
import type { ChatIdentity, HubOperations } from '../sdk/operations.types.ts';
import { runCommand } from './commands.ts';

// How `/hub` reads the text Slack sends: people quote names of more than one word, and Slack sends
// `&`, `<` and `>` in the command text as `&amp;`, `&lt;` and `&gt;`. That escaping is an
// assumption: the connector fact sheet (section 4) does not say; it is how Slack escapes message text.

const who: ChatIdentity = { platform: 'slack', teamId: 'T0001', userId: 'U0OPS' };
const identify = async () => who;

/** Operations that only record what they were asked. */
function recordingOperations() {
  const calls: Array<{ op: string; args: unknown[] }> = [];
  const task = { key: 'TASK-42', title: 't', status: 'resolved', code: 'auth_invalid', runbookUrl: 'x' };
  const ops: HubOperations = {
    acknowledgeTask: async (_who, key, note) => (calls.push({ op: 'ack', args: [key, note] }), task),
    resolveTask: async (_who, key, note) => (calls.push({ op: 'resolve', args: [key, note] }), task),
    retryIntegration: async (_who, name) => (calls.push({ op: 'retry', args: [name] }), { integration: name, runs: 1 }),
    status: async (_who, name) => (calls.push({ op: 'status', args: [name] }), []),
    runbook: async (_who, code) => (calls.push({ op: 'runbook', args: [code] }), { code, title: 't', severity: 'high', summary: 's', url: 'u' }),
  };
  return { ops, calls };
}

describe('/hub command text', () => {
  it('takes a quoted integration name (straight, curly or single quotes) without its quotes', async () => {
    const { ops, calls } = recordingOperations();
    await runCommand('/hub', 'retry "SN prod"', identify, ops);
    await runCommand('/hub', 'status “SN prod”', identify, ops);
    await runCommand('/hub', "status 'SN prod'", identify, ops);
    await runCommand('/hub', 'retry ‘SN prod’', identify, ops);
    expect(calls).toEqual([
      { op: 'retry', args: ['SN prod'] },
      { op: 'status', args: ['SN prod'] },
      { op: 'status', args: ['SN prod'] },
      { op: 'retry', args: ['SN prod'] },
    ]);
  });

  it('strips one matching pair only: unmatched or inner quotes are part of the name', async () => {
    const { ops, calls } = recordingOperations();
    await runCommand('/hub', 'status "SN prod', identify, ops);
    await runCommand('/hub', `status "SN prod'`, identify, ops);
    await runCommand('/hub', 'status ""SN prod""', identify, ops);
    await runCommand('/hub', 'status Ann\'s "test" Jira', identify, ops);
    expect(calls.map((call) => call.args[0])).toEqual(['"SN prod', `"SN prod'`, '"SN prod"', 'Ann\'s "test" Jira']);
  });

  it('asks which integration for a retry of empty quotes, and shows every integration for status ""', async () => {
    const { ops, calls } = recordingOperations();
    expect((await runCommand('/hub', 'retry ""', identify, ops)).text).toMatch(/Which integration\?/);
    await runCommand('/hub', 'status ""', identify, ops);
    expect(calls).toEqual([{ op: 'status', args: [undefined] }]);
  });

  it('passes Slack-escaped text (&amp; &lt; &gt;) on as the person typed it (assumption, see above)', async () => {
    const { ops, calls } = recordingOperations();
    // What Slack sends for: /hub resolve TASK-42 rotated token & restarted <prod>
    await runCommand('/hub', 'resolve TASK-42 rotated token &amp; restarted &lt;prod&gt;', identify, ops);
    // What Slack sends for: /hub status R&D Jira
    await runCommand('/hub', 'status R&amp;D Jira', identify, ops);
    // What Slack sends for a typed entity, /hub ack TASK-42 see &lt;: it stays as typed.
    await runCommand('/hub', 'ack TASK-42 see &amp;lt;', identify, ops);
    expect(calls).toEqual([
      { op: 'resolve', args: ['TASK-42', 'rotated token & restarted <prod>'] },
      { op: 'status', args: ['R&D Jira'] },
      { op: 'ack', args: ['TASK-42', 'see &lt;'] },
    ]);
  });

  it('keeps a note as typed, its line breaks and spacing, and reads names across any spaces', async () => {
    const { ops, calls } = recordingOperations();
    // Shift+Enter in the Slack composer puts a line break in the command text.
    await runCommand('/hub', '  resolve   TASK-42 1. rotated the token\n2. restarted  the poller  ', identify, ops);
    await runCommand('/hub', 'status  SN   prod ', identify, ops);
    expect(calls).toEqual([
      { op: 'resolve', args: ['TASK-42', '1. rotated the token\n2. restarted  the poller'] },
      { op: 'status', args: ['SN prod'] },
    ]);
  });

  it('reads a command padded with long runs of spaces (the pattern has no lazy part to backtrack over them)', async () => {
    const { ops, calls } = recordingOperations();
    await runCommand('/hub', `resolve TASK-42 ${' '.repeat(40_000)}done${' '.repeat(40_000)}`, identify, ops);
    expect(calls).toEqual([{ op: 'resolve', args: ['TASK-42', 'done'] }]);
  });

  it('escapes the unknown verb it echoes: /hub <!channel> pings nobody', async () => {
    const { ops } = recordingOperations();
    // What Slack sends for: /hub <!channel>
    const reply = await runCommand('/hub', '&lt;!channel&gt;', identify, ops);
    expect(reply.text).not.toContain('<!channel>');
    expect(reply.text).toContain('&lt;!channel&gt;');
  });
});
