// A connector made as README "Adding a connector" says, for an upstream that takes an API key in a
// header of its own: the key under credentials.auth, its header declared in `auth` as data,
// `check(ctx)` through ctx.http only, no streams.
import { z } from 'zod';
import { defineConnector } from '../connectors/sdk/define-connector.ts';
import { ApiKeyAuth } from '../connectors/sdk/credentials.ts';

export const apiKeyConnector = defineConnector({
  id: 'apikeykit',
  displayName: 'API key kit',
  description: 'A tiny upstream that takes an API key in x-api-key.',
  config: z.strictObject({ baseUrl: z.string().url() }),
  credentials: z.strictObject({ auth: ApiKeyAuth }),
  auth: [{ type: 'api_key', header: 'x-api-key', description: 'The account API key, sent in x-api-key.' }],
  baseUrl: (config) => config.baseUrl,
  async check(ctx) {
    const answer = await ctx.http.request<{ account: string }>({ url: '/me' });
    return { ok: true, detail: `signed in as ${answer.body.account}` };
  },
  streams: {},
});
