import { z } from 'zod';
import { checkCredentialUrl } from '../sdk/credential-url.ts';

const ChannelId = z.string().regex(/^[CGD][A-Z0-9]{2,}$/, 'expected a Slack channel id such as C0123ABCD (channel details → About)');

export const SlackConfig = z.strictObject({
  /** Where failure alerts go; without it this integration only answers commands and routes. */
  alertChannel: ChannelId.optional(),
  slashCommand: z.string().regex(/^\/[a-z0-9_-]{1,31}$/, 'expected a slash command such as /hub').default('/hub'),
  digest: z
    .strictObject({
      channel: ChannelId,
      frequency: z.enum(['daily', 'weekly']).default('daily'),
      hourUtc: z.number().int().min(0).max(23).default(8),
    })
    .optional(),
  escalation: z
    .strictObject({
      afterMinutes: z.array(z.number().int().min(1).max(7 * 24 * 60)).min(1).max(5).refine((steps) => steps.every((m, i) => i === 0 || m > steps[i - 1]!), 'expected increasing minutes'),
      mention: z.string().regex(/^<!subteam\^[A-Z0-9]+(\|[^>]+)?>$|^<@[A-Z0-9]+>$|^<!here>$|^<!channel>$/, 'expected a mention such as <!subteam^S0123ABC>').optional(),
    })
    .optional(),
  /** The Web API base; only tests and proxies change it. */
  slackApiUrl: z
    .url()
    .refine((value) => value.endsWith('/'), 'expected a URL ending in /, e.g. https://slack.com/api/')
    .default('https://slack.com/api/'),
});
export type SlackConfig = z.infer<typeof SlackConfig>;

/**
 * The bot token goes to slackApiUrl with every call: a URL saved now is https (plain http for a
 * local fake only) and holds no password, since every viewer reads config. One saved before this
 * rule keeps working until the config is next changed.
 */
export const SlackConfigOnSave = z.object({
  slackApiUrl: z.string().superRefine((value, ctx) => void checkCredentialUrl(value, ctx, 'https://slack.com/api/')),
});

export const SlackCredentials = z.strictObject({
  botToken: z.string().regex(/^xox[bp]-/, 'expected a bot token starting with xoxb-'),
  signingSecret: z.string().min(16, 'expected the app\'s signing secret (Basic Information → App Credentials)'),
});
export type SlackCredentials = z.infer<typeof SlackCredentials>;
