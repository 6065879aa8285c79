import type { ConnectorContext } from '../sdk/connector.types.ts';
import { ConnectorError, type FailureCode } from '../sdk/failure.ts';
import { AlertMessageGoneError } from '../sdk/task-alerts.types.ts';
import { paced } from './channel-pacing.ts';
import type { SlackConfig, SlackCredentials } from './config.ts';
import { isRepeatable, sendUnlessTaken } from './web-api-retries.ts';

export type SlackContext = ConnectorContext<SlackConfig, SlackCredentials>;

// Slack answers HTTP 200 with { ok: false, error } for most failures; these map them to the hub's
// failure codes so a revoked token opens an auth task and a missing invite a permission task.
const ERROR_CODES: Record<string, FailureCode> = {
  invalid_auth: 'auth_invalid',
  not_authed: 'auth_invalid',
  account_inactive: 'auth_invalid',
  token_revoked: 'auth_invalid',
  token_expired: 'auth_expired',
  missing_scope: 'permission_denied',
  not_in_channel: 'permission_denied',
  restricted_action: 'permission_denied',
  channel_not_found: 'config_invalid',
  message_not_found: 'config_invalid',
  invalid_blocks: 'config_invalid',
  ratelimited: 'rate_limited',
};


export interface SlackResponse {
  ok: boolean;
  error?: string;
  [field: string]: unknown;
}

export interface CallOptions {
  /**
   * False: a 429 is not waited out here but ends the call (transient, with Retry-After) for the
   * runtime to re-run, for a message whose re-run must first check it is still wanted.
   */
  waitOutRateLimit?: boolean;
}

/**
 * Slack names its errors in snake case. Anything else came from something in between (a proxy at
 * slackApiUrl, a gateway) and may echo the request, bot token included: it is not quoted, as the
 * message goes to runs, tasks and alerts.
 */
function nameOf(error: unknown): string {
  return typeof error === 'string' && /^[a-z][a-z0-9_]{0,59}$/.test(error) ? error : 'an error it did not name';
}

/**
 * The fix of an error an admin meets while setting up (the task and its alert show the message).
 * Only a channel id is quoted: a name or anything else given as `channel` might be upstream text.
 */
function channelRemedy(error: string, channel: unknown): string {
  const id = typeof channel === 'string' && /^[CGD][A-Z0-9]{2,}$/.test(channel) ? `channel ${channel}` : 'the channel';
  if (error === 'not_in_channel') return `: the bot is not a member of ${id}; invite it with /invite in that channel`;
  if (error === 'channel_not_found') return `: Slack knows no ${id} in this workspace; give the channel id (C…), not its name`;
  return '';
}

/**
 * Calls a Web API method with the bot token; throws ConnectorError for Slack's error answers.
 * Lookups and chat.update are retried like any idempotent request; a method that creates something
 * is sent again only after a 429 (see web-api-retries.ts), so one event never posts twice.
 */
export async function callSlack<T extends SlackResponse>(ctx: SlackContext, method: string, body: Record<string, unknown>, options: CallOptions = {}): Promise<T> {
  if (method === 'chat.postMessage' || method === 'chat.update') await paced(String(body['channel']));
  const send = (retry: boolean) =>
    ctx.http.request<T>({
      method: 'POST',
      url: new URL(method, ctx.config.slackApiUrl).toString(),
      json: body,
      headers: { authorization: `Bearer ${ctx.credentials.botToken}`, 'content-type': 'application/json; charset=utf-8' },
      authenticate: false,
      retry,
    });
  const response = isRepeatable(method) ? await send(true) : await sendUnlessTaken(ctx, method, () => send(false), options.waitOutRateLimit === false ? 1 : undefined);
  if (!response.body.ok) {
    const error = response.body.error ?? 'unknown_error';
    // A message deleted in Slack: the runtime, which knows no Slack, is told the alert is gone
    // rather than that the configuration is wrong (as a wrong channel is).
    if (error === 'message_not_found') throw new AlertMessageGoneError(`Slack ${method} answered ${error}`);
    throw new ConnectorError(ERROR_CODES[error] ?? 'upstream_bad_response', `Slack ${method} answered ${nameOf(error)}${channelRemedy(error, body['channel'])}`);
  }
  return response.body;
}
