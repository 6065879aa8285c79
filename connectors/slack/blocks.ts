import type { Digest, TaskAlert } from '../sdk/task-alerts.types.ts';
import { chatActorOf, type ChatActor } from '../sdk/chat-actor-label.ts';
import { storableText } from '../sdk/storable-text.ts';
import { slackDate } from './slack-date.ts';

// Block Kit for task alerts and digests. Alerts keep one layout through their life so that
// chat.update changes the state line and buttons, not the whole message.
//
// Every value from a task, an integration or upstream goes through escapeMrkdwn before it meets
// mrkdwn (the fallback `text` included, which Slack also parses and uses for notifications): an
// upstream error or title saying <!channel> or <https://evil|click> must show as text, not ping
// or link. Only the hub's own formatting, the configured escalation mention and the mention of a
// Slack member who acted on the task (its id from Slack's signed request) stay live.

type Block = Record<string, unknown>;

const SEVERITY_MARK: Record<string, string> = { critical: ':red_circle:', high: ':large_orange_circle:', medium: ':large_yellow_circle:', low: ':white_circle:' };
const STATUS_LINE: Record<TaskAlert['status'], (alert: TaskAlert, workspace: string | undefined) => string> = {
  open: () => '*Open* — waiting for someone to acknowledge',
  acknowledged: (alert, workspace) => `*Acknowledged* by ${alert.acknowledgedBy ? channelActor(alert.acknowledgedBy, workspace) : 'someone'}`,
  resolved: (alert, workspace) => `*Resolved* by ${alert.resolvedBy ? channelActor(alert.resolvedBy, workspace) : 'the hub'}`,
};

/** Anything shaped like an email address, kept to the part before the @. */
const EMAIL = /([^\s()<>@]+)@[^\s()<>@]+/g;
/** Room for an actor that is not a Slack member (a hub user, a token): a name, not a paragraph. */
const ACTOR_MAX = 200;

/**
 * Who acted on a task, for a channel of `workspace` (the Slack workspace id of its readers;
 * undefined when Slack did not say) — read by everyone in it, Slack Connect guests included, so
 * without the hub user's email that the task's history keeps: a Slack member who acted from Slack
 * as a mention (Slack shows their name) where it resolves, anyone else by the label without its
 * email.
 */
export function channelActor(label: string, workspace: string | undefined): string {
  const member = chatActorOf(label);
  if (member?.platform === 'slack') return slackMember(member, workspace);
  return escapedWithin(withoutEmails(label.replace(/\s*\([^()]*@[^()]*\)/g, '')), ACTOR_MAX);
}

/**
 * A mention resolves only for members of the workspace it is posted in: elsewhere Slack shows an
 * id nobody can read, so a member of another workspace is named by the name they acted under.
 * A label written before the workspace was kept cannot tell; it is named by name too, which reads
 * right in every workspace, where a mention reads right in one (what is lost is only the link to
 * the profile). Only a label with no name left is a mention: the one way to say who without the
 * email, and right in the usual hub of one workspace.
 */
function slackMember(member: ChatActor, workspace: string | undefined): string {
  const known = member.teamId !== undefined && workspace !== undefined;
  if (known && member.teamId === workspace) return `<@${member.userId}>`;
  // A name is the member's to choose: escaped, and an email in it cut to the part before the @.
  if (member.name) return escapedWithin(withoutEmails(member.name), ACTOR_MAX);
  return known ? 'someone from another Slack workspace' : `<@${member.userId}>`;
}

function withoutEmails(text: string): string {
  return text.replace(EMAIL, '$1');
}

/** Slack's escaping for text fields: `&`, `<` and `>` as entities, so no mention, link or command forms. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
const escape = escapeMrkdwn;

/**
 * Only a web address may become a link (the Runbook button's, an alert's); a repository path stays a
 * value. Nor one holding `<`, `>`, `|` or a space: inside a `<url|label>` link they end it early,
 * and what follows would be read as markup (a `<!channel>` that pings).
 */
export function isWebUrl(url: string): boolean {
  if (!/^https?:\/\//i.test(url) || /[<>|\s]/.test(url)) return false;
  return URL.canParse(url);
}

/** `text` escaped for mrkdwn and within `max` characters, never ending inside an entity it made. */
export function escapedWithin(text: string, max: number): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= max) return escaped;
  // Cut a character short for the ellipsis; drop an entity the cut went through (`&am`).
  return `${storableText(escaped, max - 1).replace(/&[a-z]{0,3}$/, '')}…`;
}

export function alertText(alert: TaskAlert): string {
  return escape(`${alert.key} ${alert.status}: ${alert.title} (${alert.code})`);
}

/** How an alert is shown: to the members of which workspace (undefined: not known), and whether it was escalated. */
export interface AlertView {
  workspace?: string | undefined;
  escalatedAfterMinutes?: number | undefined;
}

export function alertBlocks(alert: TaskAlert, { workspace, escalatedAfterMinutes }: AlertView = {}): Block[] {
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: storableText(`${alert.key}: ${alert.title}`, 150) } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Integration*\n${escape(alert.integrationName)}` },
        { type: 'mrkdwn', text: `*Environment*\n${escape(alert.environment)}` },
        { type: 'mrkdwn', text: `*Failure code*\n\`${escape(alert.code)}\`` },
        { type: 'mrkdwn', text: `*Severity*\n${SEVERITY_MARK[alert.severity] ?? ''} ${escape(alert.severity)}` },
      ],
    },
    {
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `${STATUS_LINE[alert.status](alert, workspace)} · ${alert.occurrences} occurrence${alert.occurrences === 1 ? '' : 's'}${escalatedAfterMinutes ? ` · escalated after ${escalatedAfterMinutes} min` : ''}` },
      ],
    },
  ];
  if (alert.lastError) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `> ${escape(storableText(alert.lastError, 500))}` } });
  const runbook = isWebUrl(alert.runbookUrl)
    ? { type: 'button', action_id: 'task_runbook', text: { type: 'plain_text', text: 'Runbook' }, url: alert.runbookUrl, value: alert.code }
    : { type: 'button', action_id: 'task_runbook', text: { type: 'plain_text', text: 'Runbook' }, value: alert.code };
  const buttons: Block[] = [];
  if (alert.status === 'open') buttons.push({ type: 'button', action_id: 'task_ack', style: 'primary', text: { type: 'plain_text', text: 'Acknowledge' }, value: alert.key });
  buttons.push(runbook);
  if (alert.status !== 'resolved' && alert.integrationId && alert.retryable !== false) {
    buttons.push({ type: 'button', action_id: 'task_retry', text: { type: 'plain_text', text: 'Retry' }, value: alert.integrationId });
  }
  blocks.push({ type: 'actions', block_id: `task:${alert.taskId}`, elements: buttons });
  return blocks;
}

/** A section's text: Slack refuses the whole message when one is longer. */
const SECTION_MAX = 3000;
/** Items listed per digest section; the heading gives the full count. */
const DIGEST_ITEMS = 15;

/**
 * A digest section: its heading, then as many of `lines` (already escaped) as fit, up to
 * DIGEST_ITEMS, and how many were left out, so a busy day still sends the digest.
 */
function digestSection(heading: string, lines: string[], empty: string): Block {
  if (lines.length === 0) return { type: 'section', text: { type: 'mrkdwn', text: `${heading}\n${empty}` } };
  const more = (left: number) => `\n…and ${left} more`;
  let text = heading;
  let shown = 0;
  for (const line of lines.slice(0, DIGEST_ITEMS)) {
    const left = lines.length - shown - 1;
    // Room is kept for the "more" line whenever something would still be left out.
    if (`${text}\n${line}${left > 0 ? more(left) : ''}`.length > SECTION_MAX) break;
    text = `${text}\n${line}`;
    shown += 1;
  }
  if (shown < lines.length) text += more(lines.length - shown);
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/** `workspace`: the Slack workspace id of the digest's readers (undefined: not known). */
export function digestBlocks(digest: Digest, workspace?: string): Block[] {
  const since = slackDate(digest.since) ?? escape(digest.since);
  // One line is never longer than a section: a title or name is cut well before.
  const item = (text: string) => `• ${escapedWithin(text, 600)}`;
  return [
    { type: 'header', text: { type: 'plain_text', text: `Integration hub ${digest.period} digest` } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `Since ${since}` }] },
    digestSection(`*Open tasks (${digest.openTasks.length})*`, digest.openTasks.map((t) => `${item(`${t.key} ${t.title}`)} — \`${escape(t.code)}\``), 'none'),
    digestSection(`*Acknowledged (${digest.acknowledgedTasks.length})*`, digest.acknowledgedTasks.map((t) => `${item(`${t.key} ${t.title}`)} — ${t.acknowledgedBy ? channelActor(t.acknowledgedBy, workspace) : 'someone'}`), 'none'),
    digestSection('*Failures since the last digest*', digest.failuresSince.map((f) => `${item(f.integrationName)}: \`${escape(f.code)}\` ×${f.count}`), 'none'),
    digestSection('*Integrations*', digest.integrations.map((i) => `${item(i.name)} (${escape(i.environment)}): ${escape(i.status)}`), 'none configured'),
    digestSection('*Credentials expiring within 14 days*', digest.expiringCredentials.map((c) => `${item(c.integrationName)}: ${escape(c.expiresAt.slice(0, 10))}`), 'none'),
  ];
}
