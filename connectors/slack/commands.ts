import { OperationRefused, type ChatIdentity, type HubOperations } from '../sdk/operations.types.ts';
import type { IntegrationStatus } from '../sdk/operations.types.ts';
import { TaskAlreadyChanged } from '../sdk/task-already-changed.ts';
import { channelActor, escapeMrkdwn, isWebUrl } from './blocks.ts';
import { decodeSlackText, unquoted } from './command-text.ts';
import { slackDate } from './slack-date.ts';

/**
 * A refusal as the person reads it; its message may quote names and keys, so it is escaped. Who
 * changed a task first is named as alerts name them, for a reader of `workspace`: the reply is
 * theirs alone, so a mention is kept when it resolves for them.
 */
function refusalText(error: OperationRefused, workspace: string | undefined): string {
  if (error instanceof TaskAlreadyChanged) {
    return `:no_entry: ${escapeMrkdwn(`${error.key} is already ${error.status} by`)} ${channelActor(error.actor, workspace)}; nothing to do.`;
  }
  return `:no_entry: ${escapeMrkdwn(error.message)}`;
}

// The /hub command language: `ack <task> [note]`, `resolve <task> [note]`, `status [integration]`,
// `runbook <code>`, `retry <integration>`, `help`.

export interface CommandReply {
  text: string;
}

export function helpText(command: string): string {
  return [
    `*${command}* — the integration hub`,
    `\`${command} ack TASK-42 [note]\` acknowledge a task (operators, admins)`,
    `\`${command} resolve TASK-42 [note]\` resolve a task (operators, admins)`,
    `\`${command} status [integration]\` health of every integration, or one`,
    `\`${command} runbook <code>\` what a failure code means and how to fix it`,
    `\`${command} retry <integration>\` run a sync now (operators, admins)`,
    `\`${command} help\` this message`,
  ].join('\n');
}

const STATUS_MARK: Record<string, string> = { healthy: ':large_green_circle:', degraded: ':large_yellow_circle:', failing: ':red_circle:', paused: ':double_vertical_bar:' };
const UNKNOWN_STATUS_MARK = ':white_circle:';

/** Task keys named in a status line; the rest are counted, so a line stays one line. */
const TASKS_LISTED = 3;

/** Which tasks, so a person can ack one straight from the reply: those waiting for someone come first. */
function taskKeys(row: IntegrationStatus): string {
  const listed = row.unresolvedTasks.slice(0, TASKS_LISTED).map((task) => (task.acknowledged ? `${task.key} (acknowledged)` : task.key));
  const more = row.openTasks - listed.length;
  return listed.length === 0 ? '' : `: ${listed.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

/** One integration's line: its open tasks, and when it is not healthy, since when it has not worked. */
function statusLine(row: IntegrationStatus): string {
  const tasks = row.openTasks ? `, ${row.openTasks} open task${row.openTasks === 1 ? '' : 's'}${taskKeys(row)}` : '';
  const lastSuccess = row.lastSuccessAt ? slackDate(row.lastSuccessAt) : undefined;
  const since = row.status === 'healthy' ? '' : lastSuccess ? `, last success ${lastSuccess}` : ', no success yet';
  return `${STATUS_MARK[row.status] ?? UNKNOWN_STATUS_MARK} *${escapeMrkdwn(row.name)}* (${row.connector}, ${row.environment}): ${row.status}${tasks}${since}`;
}

/** A runbook people can open; without the hub's public URL there is only its path in the repository. */
function runbookLink(url: string): string {
  if (isWebUrl(url)) return `<${url}|Open the runbook>`;
  return `Runbook: \`${escapeMrkdwn(url)}\` in the hub's repository (no link: ask an admin to set the hub's HUB_PUBLIC_URL).`;
}

// The verb, the word after it, and the rest as typed: a note keeps its line breaks and spacing.
// Matched against trimmed text, with no lazy part: a long run of spaces must not make it backtrack.
const COMMAND_TEXT = /^(\S+)?(?:\s+(\S+))?(?:\s+([\s\S]*))?$/;

/**
 * Who the person is in the hub's terms. Asked only by the verbs that act as someone: learning it
 * may take a Slack call (users.info), which `help` and a usage hint must not wait for.
 */
export type Identify = () => Promise<ChatIdentity>;

export async function runCommand(command: string, text: string, identifyReader: Identify, operations: HubOperations): Promise<CommandReply> {
  // Kept for the refusal, which names people as the reader's workspace can read them.
  let reader: ChatIdentity | undefined;
  const identify = async () => (reader = await identifyReader());
  const [, verb = 'help', first, remainder] = COMMAND_TEXT.exec(decodeSlackText(text).trim()) ?? [];
  const note = remainder || undefined;
  // Names of more than one word may be quoted; the quotes are not part of the name, and words are
  // told apart by any run of spaces.
  const integrationName = unquoted([first, ...(remainder ?? '').split(/\s+/)].filter(Boolean).join(' '));
  try {
    switch (verb.toLowerCase()) {
      case 'ack':
      case 'acknowledge': {
        if (!first) return { text: `Which task? Try \`${command} ack TASK-42\`.` };
        const task = await operations.acknowledgeTask(await identify(), first, note);
        return { text: `:white_check_mark: ${task.key} acknowledged: ${escapeMrkdwn(task.title)}` };
      }
      case 'resolve': {
        if (!first) return { text: `Which task? Try \`${command} resolve TASK-42 fixed the token\`.` };
        const task = await operations.resolveTask(await identify(), first, note);
        return { text: `:heavy_check_mark: ${task.key} resolved: ${escapeMrkdwn(task.title)}` };
      }
      case 'status': {
        const rows = await operations.status(await identify(), integrationName || undefined);
        if (rows.length === 0) return { text: 'No integrations are configured yet.' };
        return { text: rows.map(statusLine).join('\n') };
      }
      case 'runbook': {
        if (!first) return { text: `Which failure code? Try \`${command} runbook auth_invalid\`.` };
        const runbook = await operations.runbook(await identify(), first);
        return { text: `*${runbook.title}* (\`${runbook.code}\`, ${runbook.severity})\n${runbook.summary}\n${runbookLink(runbook.url)}` };
      }
      case 'retry': {
        if (!integrationName) return { text: `Which integration? Try \`${command} retry ServiceNow prod\`.` };
        // Run before answering, so that a refusal (link, role, name) is the answer itself and no
        // one is told "retrying" first. Queueing the runs is quick; when the hub is slow, the
        // listener answers "working on it" and this reply follows on response_url.
        const result = await operations.retryIntegration(await identify(), integrationName);
        const name = escapeMrkdwn(result.integration);
        return {
          text: `:arrows_counterclockwise: Queued ${result.runs} run${result.runs === 1 ? '' : 's'} for ${name}. Its alerts update when a run succeeds; \`${command} status ${name}\` shows how it went.`,
        };
      }
      case 'help':
        return { text: helpText(command) };
      default:
        // Escaped as every text a reply quotes: `/hub <!channel>` must not ping anyone.
        return { text: `I don't know “${escapeMrkdwn(verb)}”.\n${helpText(command)}` };
    }
  } catch (error) {
    if (error instanceof OperationRefused) return { text: refusalText(error, reader?.teamId || undefined) };
    throw error;
  }
}
