import { createHmac, randomBytes } from 'node:crypto';

// What Slack sends to the hub's hook URL, built byte for byte the way Slack builds it, so tests
// exercise the hub's verification and parsing rather than a shortcut.

export interface SlackSignatureHeaders {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
}

/** `v0=` + hex HMAC-SHA256(signingSecret, `v0:${timestamp}:${rawBody}`); timestamp defaults to now. */
export function signSlackRequest(signingSecret: string, rawBody: string, timestampSeconds: number = Math.floor(Date.now() / 1000)): SlackSignatureHeaders {
  const timestamp = String(Math.floor(timestampSeconds));
  const hex = createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex');
  return { 'x-slack-signature': `v0=${hex}`, 'x-slack-request-timestamp': timestamp };
}

export interface SlashCommandFields {
  /** Default `/hub`. */
  command?: string;
  text: string;
  user_id: string;
  /** Deprecated by Slack but still sent; defaults to a name derived from user_id. */
  user_name?: string;
  /** Default `T0001`. */
  team_id?: string;
  team_domain?: string;
  /** Sent only for Enterprise Grid workspaces. */
  enterprise_id?: string;
  /** Default `C0001`. */
  channel_id?: string;
  channel_name?: string;
  response_url: string;
  /** Default: a fresh Slack-looking trigger id. */
  trigger_id?: string;
  api_app_id?: string;
  is_enterprise_install?: boolean;
  /** Deprecated verification token; Slack still sends one. */
  token?: string;
}

let triggers = 0;
function triggerId(): string {
  triggers += 1;
  return `${Date.now()}.${1000 + triggers}.${randomBytes(16).toString('hex')}`;
}

/** The form body of a slash command, fields in the order Slack's documentation shows them. */
export function slashCommandBody(fields: SlashCommandFields): string {
  const form = new URLSearchParams();
  form.set('token', fields.token ?? 'fake-deprecated-verification-token');
  form.set('team_id', fields.team_id ?? 'T0001');
  form.set('team_domain', fields.team_domain ?? 'fake-workspace');
  if (fields.enterprise_id !== undefined) form.set('enterprise_id', fields.enterprise_id);
  form.set('channel_id', fields.channel_id ?? 'C0001');
  form.set('channel_name', fields.channel_name ?? 'alerts');
  form.set('user_id', fields.user_id);
  form.set('user_name', fields.user_name ?? fields.user_id.toLowerCase());
  form.set('command', fields.command ?? '/hub');
  form.set('text', fields.text);
  form.set('api_app_id', fields.api_app_id ?? 'A0FAKEAPP');
  form.set('is_enterprise_install', String(fields.is_enterprise_install ?? false));
  form.set('response_url', fields.response_url);
  form.set('trigger_id', fields.trigger_id ?? triggerId());
  return form.toString();
}

/** An interactivity body: `payload=<urlencoded JSON>`. */
export function interactionBody(payload: object): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export interface BlockActionInput {
  userId: string;
  teamId: string;
  actionId: string;
  value: string;
  channelId: string;
  messageTs: string;
  responseUrl: string;
  userName?: string;
  blockId?: string;
  apiAppId?: string;
  triggerId?: string;
  /** Default: now, as Slack's "seconds.micros" string. */
  actionTs?: string;
}

export interface BlockActionPayload {
  type: 'block_actions';
  user: { id: string; username: string; name: string; team_id: string };
  api_app_id: string;
  token: string;
  container: { type: 'message'; message_ts: string; channel_id: string; is_ephemeral: boolean };
  trigger_id: string;
  team: { id: string; domain: string };
  enterprise: null;
  is_enterprise_install: boolean;
  channel: { id: string; name: string };
  message: { type: 'message'; ts: string };
  response_url: string;
  actions: Array<{ type: 'button'; action_id: string; block_id: string; value: string; action_ts: string }>;
}

/**
 * A button click as in the fact sheet's example, plus `team` and `trigger_id`, which Slack also
 * sends and Bolt reads (it takes the workspace id from `team.id`, falling back to `user.team_id`).
 */
export function blockActionPayload(input: BlockActionInput): BlockActionPayload {
  const username = input.userName ?? input.userId.toLowerCase();
  return {
    type: 'block_actions',
    user: { id: input.userId, username, name: username, team_id: input.teamId },
    api_app_id: input.apiAppId ?? 'A0FAKEAPP',
    token: 'fake-deprecated-verification-token',
    container: { type: 'message', message_ts: input.messageTs, channel_id: input.channelId, is_ephemeral: false },
    trigger_id: input.triggerId ?? triggerId(),
    team: { id: input.teamId, domain: 'fake-workspace' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: input.channelId, name: 'alerts' },
    message: { type: 'message', ts: input.messageTs },
    response_url: input.responseUrl,
    actions: [{ type: 'button', action_id: input.actionId, block_id: input.blockId ?? 'b1', value: input.value, action_ts: input.actionTs ?? (Date.now() / 1000).toFixed(6) }],
  };
}
