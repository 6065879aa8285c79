import type { Context } from 'hono';
import type { WebhookRequest } from '../../connectors/sdk/connector.types.ts';
import type { IntegrationConfigRow } from '../db/database.types.ts';
import { dispatchEvents } from '../events/event.dispatch.ts';
import { payloadHash, sha256 } from '../events/payload-hash.ts';
import { ApiError } from '../http/api-error.ts';
import type { AppEnv } from '../http/app-env.ts';
import { errorBody } from '../http/error-handler.ts';
import { openCredentials } from '../integrations/integration-credentials.ts';
import { runbookPath } from '../runbooks/failure-codes.ts';
import type { HubContext } from '../server/hub-context.ts';
import { createEventBatcher } from './event.batcher.ts';
import { runInteraction } from './interaction.runner.ts';
import { readRawBody } from './raw-body.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Integrations are read per delivery from a short-lived cache: a burst of webhooks costs one
// database read, and a changed secret applies within this time.
const CACHE_MS = 2_000;

interface CachedIntegration {
  row: IntegrationConfigRow | undefined;
  /** Parsed once per cache entry, not per delivery. */
  config: unknown;
  credentials: { success: true; data: unknown } | { success: false };
  expires: number;
}

export function webhookHandler(hub: HubContext): (c: Context<AppEnv>) => Promise<Response> {
  const batcher = createEventBatcher(hub);
  const cache = new Map<string, CachedIntegration>();

  async function integration(id: string): Promise<CachedIntegration> {
    const cached = cache.get(id);
    if (cached && cached.expires > Date.now()) return cached;
    const row = await hub.db.selectFrom('integration_configs').selectAll().where('id', '=', id).executeTakeFirst();
    const connector = row ? hub.connectors.get(row.connector) : undefined;
    const config = row && connector ? connector.config.safeParse(row.config) : undefined;
    const credentials = row && connector ? connector.credentials.safeParse(openCredentials(hub, row) ?? {}) : undefined;
    const entry: CachedIntegration = {
      row,
      config: config?.success ? config.data : undefined,
      credentials: credentials?.success ? { success: true, data: credentials.data } : { success: false },
      expires: Date.now() + CACHE_MS,
    };
    if (cache.size > 10_000) cache.clear();
    cache.set(id, entry);
    return entry;
  }

  function reject(c: Context<AppEnv>, connector: string, outcome: string, error: ApiError): Response {
    hub.metrics.webhooks.inc({ connector, outcome });
    return c.json(errorBody(error), error.status as 400 | 401 | 404);
  }

  return async (c) => {
    const id = c.req.param('integrationId') ?? '';
    const found = UUID.test(id) ? await integration(id) : undefined;
    const row = found?.row;
    const connector = row ? hub.connectors.get(row.connector) : undefined;
    if (!row || !connector?.webhook) {
      return reject(c, connector?.id ?? 'unknown', 'unknown_integration', new ApiError(404, 'not_found', 'no integration takes webhooks at this address'));
    }
    const request: WebhookRequest = {
      rawBody: await readRawBody(c),
      headers: Object.fromEntries(Object.entries(c.req.header()).map(([name, value]) => [name.toLowerCase(), value])),
      query: c.req.query(),
    };
    const handshake = connector.webhook.handshake?.(request);
    if (handshake) {
      hub.metrics.webhooks.inc({ connector: connector.id, outcome: 'handshake' });
      return new Response(handshake.body ?? null, { status: handshake.status, headers: handshake.headers ?? {} });
    }
    const credentials = found?.credentials ?? { success: false };
    const verified = credentials.success
      ? connector.webhook.verify(request, { config: found?.config, credentials: credentials.data, now: hub.clock() })
      : { ok: false as const, reason: 'the integration has no webhook secret configured' };
    if (!verified.ok) {
      return reject(c, connector.id, 'rejected_signature', new ApiError(401, 'signature_invalid', `webhook signature rejected: ${verified.reason}`, { runbook: runbookPath('signature_invalid') }));
    }
    const immediate = connector.webhook.respond?.(request);
    if (immediate) {
      hub.metrics.webhooks.inc({ connector: connector.id, outcome: 'answered' });
      return new Response(immediate.body ?? null, { status: immediate.status, headers: immediate.headers ?? {} });
    }

    const interaction = connector.webhook.interaction?.(request);
    if (interaction && connector.webhook.interact) {
      return runInteraction(hub, batcher, row, connector, request, interaction);
    }

    let events;
    try {
      events = connector.webhook.parse(request);
    } catch {
      return reject(c, connector.id, 'invalid', new ApiError(400, 'invalid_payload', `the ${connector.displayName} webhook body could not be read`));
    }
    const bodyHash = sha256(request.rawBody);
    const results = await Promise.all(
      events.map((event, index) => {
        const hash = payloadHash(event.payload);
        return batcher.insert({
          tenant_id: row.tenant_id,
          integration_id: row.id,
          source: 'webhook',
          type: event.type,
          external_id: event.externalId ?? null,
          payload: JSON.stringify(event.payload),
          payload_hash: hash,
          dedupe_key: `${event.deliveryId ?? `body:${bodyHash}`}:${index}`,
          status: 'pending',
        });
      }),
    );
    const accepted = results.flatMap((result) => (result.id ? [result.id] : []));
    hub.metrics.webhooks.inc({ connector: connector.id, outcome: accepted.length === results.length ? 'accepted' : 'duplicate' });
    hub.metrics.events.inc({ source: 'webhook' }, accepted.length);
    void dispatchEvents(hub, accepted);
    return c.json({ accepted: accepted.length, duplicates: results.length - accepted.length, eventIds: accepted }, 202);
  };
}
