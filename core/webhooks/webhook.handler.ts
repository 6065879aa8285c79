import type { Context } from 'hono';
import type { AppEnv } from '../http/app-env.ts';
import type { HubContext } from '../server/hub-context.ts';
import { webhookIngest } from './webhook.ingest.ts';

/**
 * POST /hooks/:integrationId as a Hono route: public, and signature-checked by the connector
 * rather than token-authenticated. Over the network the Node listener (webhook.listener.ts) takes
 * these requests first; this route serves in-process requests and anything that reaches Hono.
 */
export function webhookHandler(hub: HubContext): (c: Context<AppEnv>) => Promise<Response> {
  const ingest = webhookIngest(hub);
  return async (c) => {
    // Before the body is read: a sender's answer deadline runs from its request's arrival.
    const receivedAt = Date.now();
    const answer = await ingest(c.req.param('integrationId') ?? '', {
      rawBody: Buffer.from(await c.req.arrayBuffer()),
      headers: Object.fromEntries(Object.entries(c.req.header()).map(([name, value]) => [name.toLowerCase(), value])),
      query: c.req.query(),
      receivedAt,
    });
    return new Response(answer.body ?? null, { status: answer.status, headers: answer.headers ?? {} });
  };
}
