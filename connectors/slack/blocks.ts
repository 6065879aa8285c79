import type { Digest, TaskAlert } from '../sdk/task-alerts.types.ts';
import { storableText } from '../sdk/storable-text.ts';

// Block Kit for task alerts and digests. Alerts keep one layout through their life so that
// chat.update changes the state line and buttons, not the whole message.
//
// Every value from a task, an integration or upstream goes through escapeMrkdwn before it meets
// mrkdwn (the fallback `text` included, which Slack also parses and uses for notifications): an
// upstream error or title saying <!channel> or <https://evil|click> must show as text, not ping
// or link. Only the hub's own formatting and the configured escalation mention stay live.

type Block = Record<string, unknown>;

const SEVERITY_MARK: Record<string, string> = { critical: ':red_circle:', high: ':large_orange_circle:', medium: ':large_yellow_circle:', low: ':white_circle:' };
const STATUS_LINE: Record<TaskAlert['status'], (alert: TaskAlert) => string> = {
  open: () => '*Open* — waiting for someone to acknowledge',
  acknowledged: (alert) => `*Acknowledged* by ${escape(alert.acknowledgedBy ?? 'someone')}`,
  resolved: (alert) => `*Resolved* by ${escape(alert.resolvedBy ?? 'the hub')}`,
};

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

export function alertBlocks(alert: TaskAlert, escalatedAfterMinutes?: number): Block[] {
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
        { type: 'mrkdwn', text: `${STATUS_LINE[alert.status](alert)} · ${alert.occurrences} occurrence${alert.occurrences === 1 ? '' : 's'}${escalatedAfterMinutes ? ` · escalated after ${escalatedAfterMinutes} min` : ''}` },
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

export function digestBlocks(digest: Digest): Block[] {
  const list = (items: string[], empty: string) => (items.length > 0 ? items.slice(0, 15).join('\n') : empty);
  return [
    { type: 'header', text: { type: 'plain_text', text: `Integration hub ${digest.period} digest` } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `Since ${escape(digest.since)}` }] },
    { type: 'section', text: { type: 'mrkdwn', text: `*Open tasks (${digest.openTasks.length})*\n${list(digest.openTasks.map((t) => `• ${escape(t.key)} ${escape(t.title)} — \`${escape(t.code)}\``), 'none')}` } },
    { type: 'section', text: { type: 'mrkdwn', text: `*Acknowledged (${digest.acknowledgedTasks.length})*\n${list(digest.acknowledgedTasks.map((t) => `• ${escape(t.key)} ${escape(t.title)} — ${escape(t.acknowledgedBy ?? '')}`), 'none')}` } },
    { type: 'section', text: { type: 'mrkdwn', text: `*Failures since the last digest*\n${list(digest.failuresSince.map((f) => `• ${escape(f.integrationName)}: \`${escape(f.code)}\` ×${f.count}`), 'none')}` } },
    { type: 'section', text: { type: 'mrkdwn', text: `*Integrations*\n${list(digest.integrations.map((i) => `• ${escape(i.name)} (${escape(i.environment)}): ${escape(i.status)}`), 'none configured')}` } },
    { type: 'section', text: { type: 'mrkdwn', text: `*Credentials expiring within 14 days*\n${list(digest.expiringCredentials.map((c) => `• ${escape(c.integrationName)}: ${escape(c.expiresAt.slice(0, 10))}`), 'none')}` } },
  ];
}
