import type { WebClient } from '@slack/web-api';
import type { SlackContext } from './slack-api.ts';

// users.info per command would cost a Web API call each time (tier 4, but still a round trip
// inside the 3-second budget): profiles are cached for ten minutes.
const TTL_MS = 10 * 60 * 1000;
const cache = new Map<string, { profile: SlackProfile; until: number }>();

export interface SlackProfile {
  /** The email as Slack verified it: how a Slack user is linked to a hub user automatically. */
  email?: string;
  name?: string;
}

/** The user's verified email and name, or nothing (no scope, a bot, or Slack unreachable). */
export async function slackProfile(client: WebClient, userId: string, ctx: SlackContext): Promise<SlackProfile> {
  const key = `${ctx.integrationId}:${userId}`;
  const cached = cache.get(key);
  if (cached && cached.until > Date.now()) return cached.profile;
  try {
    const info = await client.users.info({ user: userId });
    const email = (info.user?.profile as { email?: string } | undefined)?.email;
    const profile: SlackProfile = {
      ...(email && !info.user?.is_bot ? { email } : {}),
      ...(info.user?.name ? { name: info.user.name } : {}),
    };
    cache.set(key, { profile, until: Date.now() + TTL_MS });
    return profile;
  } catch {
    ctx.logger.warn({ userId }, 'users.info failed; the user can still be linked explicitly');
    return {};
  }
}
