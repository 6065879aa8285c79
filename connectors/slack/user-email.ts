import type { WebClient } from '@slack/web-api';
import type { SlackContext } from './slack-api.ts';

// users.info per command would cost a Web API call each time (tier 4, but still a round trip
// inside the 3-second budget): profiles, and the app's workspace, are cached for ten minutes.
const TTL_MS = 10 * 60 * 1000;
const cache = new Map<string, { profile: SlackProfile; until: number }>();

export interface SlackProfile {
  /** The email as Slack verified it: how a Slack user is linked to a hub user automatically. */
  email?: string;
  name?: string;
}

const workspaces = new Map<string, { teamId: string; until: number }>();

/** The workspace the app is installed in, as auth.test names it for the bot token (cached alike). */
async function appWorkspace(client: WebClient, ctx: SlackContext): Promise<string | undefined> {
  const cached = workspaces.get(ctx.integrationId);
  if (cached && cached.until > Date.now()) return cached.teamId;
  const identity = await client.auth.test();
  if (!identity.team_id) return undefined;
  workspaces.set(ctx.integrationId, { teamId: identity.team_id, until: Date.now() + TTL_MS });
  return identity.team_id;
}

/**
 * The user's verified email and name, or nothing (no scope, a bot, or Slack unreachable). The email
 * links a Slack user to the hub user who has it, so it counts only for members of the app's own
 * workspace: someone of another organisation (a Slack Connect channel) or another workspace sets
 * their own email, and must be linked by an admin, by workspace and member id.
 */
export async function slackProfile(client: WebClient, userId: string, ctx: SlackContext): Promise<SlackProfile> {
  const key = `${ctx.integrationId}:${userId}`;
  const cached = cache.get(key);
  if (cached && cached.until > Date.now()) return cached.profile;
  try {
    const [info, teamId] = await Promise.all([client.users.info({ user: userId }), appWorkspace(client, ctx)]);
    const email = (info.user?.profile as { email?: string } | undefined)?.email;
    // ASSUMPTION (not in the fact sheet): users.info gives the member's home workspace as
    // `user.team_id`, and auth.test the app's as `team_id`.
    const ownWorkspace = teamId !== undefined && info.user?.team_id === teamId;
    const profile: SlackProfile = {
      ...(email && !info.user?.is_bot && ownWorkspace ? { email } : {}),
      ...(info.user?.name ? { name: info.user.name } : {}),
    };
    cache.set(key, { profile, until: Date.now() + TTL_MS });
    return profile;
  } catch {
    ctx.logger.warn({ userId }, 'users.info failed; the user can still be linked explicitly');
    return {};
  }
}
