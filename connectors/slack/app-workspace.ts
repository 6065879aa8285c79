import { createHash } from 'node:crypto';
import { chatActorOf } from '../sdk/chat-actor-label.ts';
import { createBoundedCache } from '../sdk/bounded-cache.ts';
import { ConnectorError } from '../sdk/failure.ts';
import { callSlack, type SlackContext } from './slack-api.ts';

// Which workspace reads what an integration posts: a mention of a Slack member resolves only there
// (blocks.ts, channelActor). A bot token belongs to one workspace for good, so its answer is kept
// until evicted; a rotation may bring another workspace's token, filed apart.
const MAX_WORKSPACES = 1_000;
const workspaces = createBoundedCache<string, string>({ limit: MAX_WORKSPACES });

/** What a token's workspace is filed under: not the token in clear, which would show in any dump of the cache. */
function tokenKey(ctx: SlackContext): string {
  return `${ctx.integrationId}:${createHash('sha256').update(ctx.credentials.botToken).digest('base64url').slice(0, 22)}`;
}

/**
 * The id of the workspace the integration posts in, when one of `labels` (task actor labels) names
 * a Slack member of a known workspace, for whom it decides between a mention and a name; otherwise
 * Slack is not asked. Undefined when Slack did not say: who acted is then named by name, and the
 * message still goes out, since how a person is named is no reason to hold an alert back.
 */
export async function workspaceToName(ctx: SlackContext, labels: ReadonlyArray<string | null>): Promise<string | undefined> {
  if (!labels.some((label) => label !== null && chatActorOf(label)?.teamId !== undefined)) return undefined;
  const key = tokenKey(ctx);
  const held = workspaces.get(key);
  if (held !== undefined) return held;
  try {
    // ASSUMPTION (not in the fact sheet): auth.test names the token's workspace as `team_id`.
    const identity = await callSlack<{ ok: boolean; team_id?: string }>(ctx, 'auth.test', {});
    if (typeof identity.team_id !== 'string' || identity.team_id === '') return undefined;
    workspaces.set(key, identity.team_id);
    return identity.team_id;
  } catch (error) {
    ctx.logger.warn({ code: error instanceof ConnectorError ? error.code : 'unknown' }, 'auth.test failed; who acted on a task is named by name, not mentioned');
    return undefined;
  }
}
