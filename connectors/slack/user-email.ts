import { createHash } from 'node:crypto';
import { ErrorCode, type WebClient } from '@slack/web-api';
import { createBoundedCache } from '../sdk/bounded-cache.ts';
import type { SlackContext } from './slack-api.ts';

// users.info per command would cost a Web API call each time (tier 4, but still a round trip
// inside the 3-second budget): profiles, and the app's workspace, are cached for ten minutes.
const TTL_MS = 10 * 60 * 1000;
// Bounds, so that every Slack user who ever ran a command and every integration ever used do not
// stay for the life of the process: a profile is a few dozen bytes, and one dropped early costs
// only the users.info the command would have made without a cache.
const MAX_PROFILES = 10_000;
const MAX_WORKSPACES = 1_000;

export interface SlackProfile {
  /** The email as Slack verified it: how a Slack user is linked to a hub user automatically. */
  email?: string;
  name?: string;
  /** Slack did not answer who the person is (429, down, too slow): no email, for want of an answer. */
  lookupFailed?: true;
}

export interface SlackProfilesOptions {
  maxProfiles: number;
  maxWorkspaces: number;
  /** Epoch ms; Date.now unless a test brings its own clock. */
  now?: () => number;
}

export interface SlackProfiles {
  lookUp(client: WebClient, userId: string, ctx: SlackContext): Promise<SlackProfile>;
  /** How many profiles and app workspaces are held (for tests). */
  held(): { profiles: number; workspaces: number };
}

/**
 * What the cache entries of one bot token are filed under. A rotation may bring another
 * workspace's token, whose workspace and members are not the old one's; and a token held in clear
 * as a key would show in any dump of the cache.
 */
function tokenKey(client: WebClient, ctx: SlackContext): string {
  const token = client.token ?? ctx.credentials.botToken;
  return `${ctx.integrationId}:${createHash('sha256').update(token).digest('base64url').slice(0, 22)}`;
}

// Slack's own names for a passing trouble on its side, answered as HTTP 200 { ok: false }.
const PASSING_SLACK_ERRORS: ReadonlySet<string> = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/**
 * Whether Slack answered and the answer stands (a missing scope, an unknown user, a revoked token):
 * asking again would get the same. Anything else — a 429 outlasting the retries, a 5xx, a timeout,
 * a dropped connection — says nothing about who the person is.
 */
function isLastingAnswer(error: unknown): boolean {
  const { code, data } = (error ?? {}) as { code?: unknown; data?: { error?: unknown } };
  return code === ErrorCode.PlatformError && !PASSING_SLACK_ERRORS.has(String(data?.error));
}

export function createSlackProfiles(options: SlackProfilesOptions): SlackProfiles {
  const now = options.now ?? Date.now;
  const profiles = createBoundedCache<string, SlackProfile>({ limit: options.maxProfiles, now });
  const workspaces = createBoundedCache<string, string>({ limit: options.maxWorkspaces, now });

  /** The workspace the app is installed in, as auth.test names it for the bot token (cached alike). */
  async function appWorkspace(client: WebClient, ctx: SlackContext, token: string): Promise<string | undefined> {
    const cached = workspaces.get(token);
    if (cached !== undefined) return cached;
    const identity = await client.auth.test();
    if (!identity.team_id) return undefined;
    workspaces.set(token, identity.team_id, now() + TTL_MS);
    return identity.team_id;
  }

  return {
    async lookUp(client, userId, ctx) {
      const token = tokenKey(client, ctx);
      const key = `${token}:${userId}`;
      const cached = profiles.get(key);
      if (cached !== undefined) return cached;
      try {
        const [info, teamId] = await Promise.all([client.users.info({ user: userId }), appWorkspace(client, ctx, token)]);
        const email = (info.user?.profile as { email?: string } | undefined)?.email;
        // ASSUMPTION (not in the fact sheet): users.info gives the member's home workspace as
        // `user.team_id`, and auth.test the app's as `team_id`.
        const ownWorkspace = teamId !== undefined && info.user?.team_id === teamId;
        const profile: SlackProfile = {
          ...(email && !info.user?.is_bot && ownWorkspace ? { email } : {}),
          ...(info.user?.name ? { name: info.user.name } : {}),
        };
        profiles.set(key, profile, now() + TTL_MS);
        return profile;
      } catch (error) {
        // Not remembered: the next command asks again.
        if (isLastingAnswer(error)) {
          ctx.logger.warn({ userId }, 'users.info failed; the user can still be linked explicitly');
          return {};
        }
        ctx.logger.warn({ userId }, 'users.info did not answer; the user is asked to try again');
        return { lookupFailed: true };
      }
    },
    held: () => ({ profiles: profiles.size, workspaces: workspaces.size }),
  };
}

const shared = createSlackProfiles({ maxProfiles: MAX_PROFILES, maxWorkspaces: MAX_WORKSPACES });

/**
 * The user's verified email and name, or nothing (no scope, a bot, or Slack unreachable). The email
 * links a Slack user to the hub user who has it, so it counts only for members of the app's own
 * workspace: someone of another organisation (a Slack Connect channel) or another workspace sets
 * their own email, and must be linked by an admin, by workspace and member id.
 */
export function slackProfile(client: WebClient, userId: string, ctx: SlackContext): Promise<SlackProfile> {
  return shared.lookUp(client, userId, ctx);
}
