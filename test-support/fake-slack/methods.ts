import { breaksBlockLimits } from './block-limits.ts';
import { BOT_ID, BOT_NAME, BOT_USER_ID, latestMessage, type Workspace } from './workspace.ts';

// The Web API methods the hub uses. Each gets the parsed arguments and answers like Slack:
// HTTP 200 with `ok: false` for API errors, 429 with Retry-After for rate limits.

export interface MethodReply {
  status: number;
  headers?: Record<string, string>;
  body: Record<string, unknown>;
}

type Handler = (workspace: Workspace, args: Record<string, unknown>, now: number) => MethodReply;

const ok = (body: Record<string, unknown>): MethodReply => ({ status: 200, body: { ok: true, ...body } });
const fail = (error: string): MethodReply => ({ status: 200, body: { ok: false, error } });

function str(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** `blocks` must be a JSON array; anything else is Slack's `invalid_blocks`. */
function readBlocks(args: Record<string, unknown>): { blocks: unknown[] | undefined } | { error: string } {
  const blocks = args['blocks'];
  if (blocks === undefined || blocks === '') return { blocks: undefined };
  return Array.isArray(blocks) && !breaksBlockLimits(blocks) ? { blocks } : { error: 'invalid_blocks' };
}

const authTest: Handler = (workspace) =>
  ok({ url: 'https://fake-workspace.slack.com/', team: 'Fake Workspace', user: BOT_NAME, team_id: workspace.teamId, user_id: BOT_USER_ID, bot_id: BOT_ID, is_enterprise_install: false });

const postMessage: Handler = (workspace, args, now) => {
  const channel = str(args['channel']);
  if (!channel) return fail('channel_not_found');
  const parsed = readBlocks(args);
  if ('error' in parsed) return fail(parsed.error);
  const text = str(args['text']);
  if (text === undefined && parsed.blocks === undefined) return fail('no_text');
  if (workspace.channelsWithoutBot.has(channel)) return fail('not_in_channel');
  if (workspace.enforceChannelRate) {
    const last = workspace.lastPostAt.get(channel);
    if (last !== undefined && now - last < 1000) return { status: 429, headers: { 'retry-after': '1' }, body: { ok: false, error: 'ratelimited' } };
  }
  workspace.lastPostAt.set(channel, now);
  const ts = workspace.nextTs();
  const threadTs = str(args['thread_ts']);
  workspace.messages.push({ channel, ts, text, blocks: parsed.blocks, thread_ts: threadTs, postedAt: now });
  const message: Record<string, unknown> = { type: 'message', user: BOT_USER_ID, bot_id: BOT_ID, team: workspace.teamId, ts, text: text ?? '' };
  if (parsed.blocks !== undefined) message['blocks'] = parsed.blocks;
  if (threadTs !== undefined) message['thread_ts'] = threadTs;
  return ok({ channel, ts, message });
};

const update: Handler = (workspace, args, now) => {
  const channel = str(args['channel']);
  const ts = str(args['ts']);
  if (!channel) return fail('channel_not_found');
  if (!ts || !workspace.messages.some((message) => message.channel === channel && message.ts === ts)) return fail('message_not_found');
  const parsed = readBlocks(args);
  if ('error' in parsed) return fail(parsed.error);
  const text = str(args['text']);
  if (text === undefined && parsed.blocks === undefined) return fail('no_text');
  workspace.updates.push({ channel, ts, text, blocks: parsed.blocks, at: now });
  const current = latestMessage(workspace, channel, ts);
  return ok({ channel, ts, text: current?.text ?? '', message: { type: 'message', user: BOT_USER_ID, bot_id: BOT_ID, ts, text: current?.text ?? '', blocks: current?.blocks } });
};

const postEphemeral: Handler = (workspace, args, now) => {
  const channel = str(args['channel']);
  if (!channel) return fail('channel_not_found');
  const user = str(args['user']);
  if (!user) return fail('user_not_in_channel');
  const parsed = readBlocks(args);
  if ('error' in parsed) return fail(parsed.error);
  const text = str(args['text']);
  if (text === undefined && parsed.blocks === undefined) return fail('no_text');
  const ts = workspace.nextTs();
  workspace.ephemerals.push({ channel, user, text, blocks: parsed.blocks, thread_ts: str(args['thread_ts']), ts, postedAt: now });
  return ok({ message_ts: ts });
};

const usersInfo: Handler = (workspace, args) => {
  const id = str(args['user']);
  const user = id === undefined ? undefined : workspace.users.get(id);
  if (!id || !user) return fail('user_not_found');
  // Slack leaves `email` out when the user has none (or the app lacks users:read.email).
  const profile: Record<string, unknown> = { real_name: user.name, display_name: user.name };
  if (user.email !== undefined) profile['email'] = user.email;
  if (user.isBot) profile['bot_id'] = id === BOT_USER_ID ? BOT_ID : `B${id.slice(1)}`;
  return ok({ user: { id, name: user.name, real_name: user.name, team_id: user.teamId ?? workspace.teamId, deleted: false, is_bot: user.isBot ?? false, profile } });
};

export const METHODS: ReadonlyMap<string, Handler> = new Map([
  ['auth.test', authTest],
  ['chat.postMessage', postMessage],
  ['chat.update', update],
  ['chat.postEphemeral', postEphemeral],
  ['users.info', usersInfo],
]);

/** `not_authed` when no token came (header or the legacy `token` argument), `invalid_auth` when it is not the bot's. */
export function authError(workspace: Workspace, authorization: string | undefined, args: Record<string, unknown>): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim();
  const token = bearer ?? str(args['token']);
  if (!token) return 'not_authed';
  return token === workspace.botToken ? undefined : 'invalid_auth';
}
