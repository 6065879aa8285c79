import { z } from 'zod';
import { checkCredentialUrl } from '../sdk/credential-url.ts';
import { BasicAuth, OAuth2Auth } from '../sdk/credentials.ts';

// What an admin enters for a ServiceNow integration. Messages name the field and say what a
// valid value looks like, because they are shown in the admin UI as they are.

/** ServiceNow table names: lower-case letters, digits and underscores (custom ones start u_ or x_). */
export const TableName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,79}$/, 'must be a ServiceNow table name such as incident or u_grc_issue (lower-case letters, digits, underscores)');

export const InstanceUrl = z
  .string({ error: 'instanceUrl is required, e.g. https://acme.service-now.com' })
  .superRefine((value, ctx) => {
    const url = checkCredentialUrl(value, ctx, 'https://acme.service-now.com');
    if (url && url.pathname !== '/' && url.pathname !== '') {
      ctx.addIssue({ code: 'custom', message: 'must be the instance root only, e.g. https://acme.service-now.com (no path)' });
    }
  });

export const StreamTables = z
  .object({ incident: TableName, change_request: TableName, sc_task: TableName })
  .partial()
  .strict();
export type StreamTables = z.infer<typeof StreamTables>;

/** An extra encoded query; AND-ed with the cursor condition, so it must not reorder or start a new query. */
export const ExtraQuery = z
  .string()
  .trim()
  .min(1, 'query, when given, must not be empty (leave it out instead)')
  .refine((q) => !q.includes('^NQ'), 'query must not use ^NQ: a new query would escape the incremental time window')
  .refine((q) => !/ORDERBY/.test(q), 'query must not contain ORDERBY: the connector orders by sys_updated_on and sys_id to page safely');

export const ServiceNowConfig = z
  .object({
    instanceUrl: InstanceUrl,
    tables: StreamTables.optional(),
    pageSize: z
      .int('pageSize must be a whole number')
      .min(1, 'pageSize must be at least 1')
      .max(1000, 'pageSize must be at most 1000: larger pages strain the instance')
      .default(100),
    query: ExtraQuery.optional(),
    // Display values are formatted in the integration user's time zone and locale; the cursor
    // needs raw UTC values, so this is fixed and only present to say so in the catalog.
    displayValue: z.literal(false, 'displayValue must be false: the sync cursor relies on raw UTC sys_updated_on values').default(false),
  })
  .strict();
export type ServiceNowConfig = z.output<typeof ServiceNowConfig>;

export const ServiceNowOAuth2 = OAuth2Auth.superRefine((auth, ctx) => {
  if (auth.grant === 'password' && (auth.username === undefined || auth.password === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['username'], message: 'the password grant needs username and password of the integration user' });
  }
  if (auth.grant === 'refresh_token' && auth.refreshToken === undefined) {
    ctx.addIssue({ code: 'custom', path: ['refreshToken'], message: 'the refresh_token grant needs a refreshToken' });
  }
});

export const ServiceNowAuth = z.discriminatedUnion('type', [BasicAuth, ServiceNowOAuth2], {
  // Credentials are replaced whole: a change of the webhook secret alone sends auth again too.
  error: (issue) =>
    issue.input === undefined
      ? 'auth is required: credentials are replaced whole, so send auth (type and secrets) with every change, the webhookSecret too'
      : 'auth.type must be "basic" or "oauth2"',
});

/** Standard Webhooks secret: whsec_ + base64 of 24–64 random bytes. */
export const WebhookSecret = z.string().superRefine((secret, ctx) => {
  if (!secret.startsWith('whsec_')) {
    ctx.addIssue({ code: 'custom', message: 'webhookSecret must start with whsec_' });
    return;
  }
  const encoded = secret.slice('whsec_'.length);
  const bytes = Buffer.from(encoded, 'base64').length;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || bytes < 24 || bytes > 64) {
    ctx.addIssue({ code: 'custom', message: 'webhookSecret must be whsec_ followed by base64 of 24 to 64 random bytes' });
  }
});

export const ServiceNowCredentials = z
  .object({ auth: ServiceNowAuth, webhookSecret: WebhookSecret.optional() })
  .strict();
export type ServiceNowCredentials = z.output<typeof ServiceNowCredentials>;

export const STREAM_NAMES = ['incident', 'change_request', 'sc_task'] as const;
export type StreamName = (typeof STREAM_NAMES)[number];

export function tableFor(config: ServiceNowConfig, stream: StreamName): string {
  return config.tables?.[stream] ?? stream;
}

/** Without a trailing slash, so paths can be appended. */
export function instanceBase(config: ServiceNowConfig): string {
  return new URL(config.instanceUrl).origin;
}
