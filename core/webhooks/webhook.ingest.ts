import type { VerifyResult, WebhookEvent, WebhookRequest, WebhookResponse } from '../../connectors/sdk/connector.types.ts';
import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import { ConnectorError } from '../../connectors/sdk/failure.ts';
import type { IntegrationConfigRow } from '../db/database.types.ts';
import { isDataException, isForeignKeyViolation, isProgramLimitExceeded } from '../db/postgres-errors.ts';
import { isUuidText } from '../db/uuid-text.ts';
import { dispatchEvents } from '../events/event.dispatch.ts';
import { payloadHash, sha256 } from '../events/payload-hash.ts';
import { ApiError } from '../http/api-error.ts';
import { errorBody } from '../http/error-handler.ts';
import { openCredentials } from '../integrations/integration-credentials.ts';
import { onIntegrationChanged } from '../integrations/integration-changed.ts';
import { openPreviousCredentials } from '../integrations/previous-credentials.ts';
import { runbookPath } from '../runbooks/failure-codes.ts';
import type { HubContext } from '../server/hub-context.ts';
import { createLimitedLog, LOGGED_PER_WINDOW } from '../server/limited-log.ts';
import { createEventBatcher, isTooDeep } from './event.batcher.ts';
import { runInteraction } from './interaction.runner.ts';
import { webhookAccepted } from './webhook-accepted.ts';

// One delivery to POST /hooks/:integrationId, from the raw request to the answer, with no HTTP
// framework in sight: the Hono route (in-process requests) and the Node listener in front of it
// (the hot path over the network) both hand requests here, so they cannot drift apart.

// Integrations are read per delivery from a short-lived cache: a burst of webhooks costs one
// database read, and a changed secret applies within this time.
const CACHE_MS = 2_000;
// A delivery refused (or taken only by a replaced secret) reads its integration again when what it
// was checked with is older than this: soon enough for a change to apply at once, and a flood of
// badly signed requests costs at most a few reads a second.
const RECHECK_AFTER_MS = 250;
const JSON_HEADERS = { 'content-type': 'application/json' };

/** A delivery's verification, and whether only the secret the last change replaced took it. */
type Verified = VerifyResult & { byPrevious: boolean };
const BY_CURRENT: Verified = { ok: true, byPrevious: false };
const BY_PREVIOUS: Verified = { ok: true, byPrevious: true };

/** What to answer; `body` is already serialised. */
export type WebhookAnswer = WebhookResponse;

export type WebhookIngest = (integrationId: string, request: WebhookRequest) => Promise<WebhookAnswer>;

interface CachedIntegration {
  row: IntegrationConfigRow | undefined;
  /** Parsed once per cache entry, not per delivery. */
  config: unknown;
  credentials: { success: true; data: unknown } | { success: false };
  /** The credentials the last change replaced, while they still verify deliveries (previous-credentials.ts). */
  previous: { data: unknown; until: Date } | undefined;
  /** When it was read (performance.now()): how fresh its secrets are. */
  loadedAt: number;
  expires: number;
}

/** Both ways a delivery is stored (events, interactions) answer a row PostgreSQL refuses alike. */
function unstorable(connectorName: string): ApiError {
  return new ApiError(400, 'invalid_payload', `the ${connectorName} webhook body holds a value that cannot be stored (such as a NUL character, or JSON nested thousands of levels deep)`);
}

// The sender's admin has only this answer to go on (an outdated Business Rule, say), so a connector's
// own reason (the wrong shape, a field missing) is passed on. Any other error stays out: a bare
// JSON.parse error quotes the body.
const MAX_REASON_LENGTH = 500;

function unreadable(connectorName: string, error: unknown): ApiError {
  const reason = error instanceof ConnectorError ? `: ${error.message.slice(0, MAX_REASON_LENGTH)}` : '';
  return new ApiError(400, 'invalid_payload', `the ${connectorName} webhook body could not be read${reason}`);
}

export function jsonAnswer(status: number, body: unknown): WebhookAnswer {
  return { status, headers: JSON_HEADERS, body: JSON.stringify(body) };
}

export function errorAnswer(error: ApiError): WebhookAnswer {
  return jsonAnswer(error.status, errorBody(error));
}

// One ingest per hub: both entry points share its integration cache and its group commits.
const ingests = new WeakMap<HubContext, WebhookIngest>();

export function webhookIngest(hub: HubContext): WebhookIngest {
  let ingest = ingests.get(hub);
  if (!ingest) {
    ingest = createWebhookIngest(hub);
    ingests.set(hub, ingest);
  }
  return ingest;
}

function createWebhookIngest(hub: HubContext): WebhookIngest {
  const batcher = createEventBatcher(hub);
  const signatureLog = createLimitedLog(hub.logger);
  const cache = new Map<string, CachedIntegration>();

  async function load(id: string): Promise<CachedIntegration> {
    const row = await hub.db.selectFrom('integration_configs').selectAll().where('id', '=', id).executeTakeFirst();
    const connector = row ? hub.connectors.get(row.connector) : undefined;
    const config = row && connector ? connector.config.safeParse(row.config) : undefined;
    const credentials = row && connector ? connector.credentials.safeParse(openCredentials(hub, row) ?? {}) : undefined;
    const previous = row && connector?.webhook ? openPreviousCredentials(hub, row) : undefined;
    const previousParsed = previous ? connector!.credentials.safeParse(previous.credentials) : undefined;
    return {
      row,
      config: config?.success ? config.data : undefined,
      credentials: credentials?.success ? { success: true, data: credentials.data } : { success: false },
      previous: previous && previousParsed?.success ? { data: previousParsed.data, until: previous.until } : undefined,
      loadedAt: performance.now(),
      expires: Date.now() + CACHE_MS,
    };
  }

  // One read per integration at a time: when an entry expires under load, the deliveries that
  // arrive meanwhile keep using it (for the few milliseconds of the read) instead of each starting
  // a read and a decryption of their own, which stalled every request at once.
  const refreshing = new Map<string, Promise<CachedIntegration>>();
  // Bumped by each change this process commits: a read started before it must not be cached after it.
  let changes = 0;
  onIntegrationChanged(hub, (id) => {
    changes += 1;
    cache.delete(id);
    refreshing.delete(id);
  });
  function refresh(id: string): Promise<CachedIntegration> {
    let loading = refreshing.get(id);
    if (!loading) {
      const changesBefore = changes;
      const started: Promise<CachedIntegration> = load(id)
        .then((entry) => {
          if (cache.size > 10_000) cache.clear();
          if (changes === changesBefore) cache.set(id, entry);
          return entry;
        })
        .finally(() => {
          if (refreshing.get(id) === started) refreshing.delete(id);
        });
      loading = started;
      refreshing.set(id, loading);
    }
    return loading;
  }

  async function integration(id: string): Promise<CachedIntegration> {
    const cached = cache.get(id);
    if (cached && cached.expires > Date.now()) return cached;
    if (cached && refreshing.has(id)) return cached;
    return refresh(id);
  }

  function storeEvents(row: IntegrationConfigRow, events: WebhookEvent[], bodyKey: string) {
    return Promise.all(
      events.map((event, index) =>
        batcher.insert({
          tenant_id: row.tenant_id,
          integration_id: row.id,
          source: 'webhook',
          type: event.type,
          external_id: event.externalId ?? null,
          payload: event.payload,
          payload_hash: payloadHash(event.payload),
          dedupe_key: `${event.deliveryId ?? bodyKey}:${index}`,
          status: 'pending',
        }),
      ),
    );
  }

  function verify(connector: AnyConnector, found: CachedIntegration, request: WebhookRequest, now: Date): Verified {
    const webhook = connector.webhook!;
    const byCurrent = found.credentials.success
      ? webhook.verify(request, { config: found.config, credentials: found.credentials.data, now })
      : { ok: false as const, reason: 'the integration has no webhook secret configured' };
    // Fixed answers on success: no object made per delivery on the hot path.
    if (byCurrent.ok) return BY_CURRENT;
    if (!found.previous || found.previous.until <= now) return { ...byCurrent, byPrevious: false };
    // Signed with the secret the last change replaced: the sender has not switched yet.
    const byPrevious = webhook.verify(request, { config: found.config, credentials: found.previous.data, now });
    return byPrevious.ok ? BY_PREVIOUS : { ...byCurrent, byPrevious: false };
  }

  function reject(connector: string, outcome: string, error: ApiError): WebhookAnswer {
    hub.metrics.webhooks.inc({ connector, outcome });
    return errorAnswer(error);
  }

  function unknownIntegration(connector: string): WebhookAnswer {
    return reject(connector, 'unknown_integration', new ApiError(404, 'not_found', 'no integration takes webhooks at this address'));
  }

  /** The answer to a delivery PostgreSQL would not store, or the error again when it is not about this delivery. */
  function refusal(error: unknown, row: IntegrationConfigRow, connector: { id: string; displayName: string }): WebhookAnswer {
    if (isDataException(error) || isProgramLimitExceeded(error) || isTooDeep(error)) return reject(connector.id, 'invalid', unstorable(connector.displayName));
    if (isForeignKeyViolation(error)) {
      // Deleted since it was cached: forget it, so the next delivery reads the database again.
      cache.delete(row.id);
      return unknownIntegration(connector.id);
    }
    throw error;
  }

  return async (integrationId, request) => {
    const found = isUuidText(integrationId) ? await integration(integrationId) : undefined;
    const row = found?.row;
    const connector = row ? hub.connectors.get(row.connector) : undefined;
    if (!row || !connector?.webhook) return unknownIntegration(connector?.id ?? 'unknown');
    const encoding = request.headers['content-encoding']?.trim().toLowerCase();
    if (encoding && encoding !== 'identity') {
      // A signature covers the body as sent, and the hub reads bodies as sent: a compressed one
      // would only fail verification, and send the operator chasing a secret that is fine.
      return reject(connector.id, 'invalid', new ApiError(415, 'unsupported_media_type', `webhook bodies are read as sent; Content-Encoding ${encoding} is not accepted: send the body uncompressed`));
    }
    const handshake = connector.webhook.handshake?.(request);
    if (handshake) {
      hub.metrics.webhooks.inc({ connector: connector.id, outcome: 'handshake' });
      return handshake;
    }
    const now = hub.clock();
    let verified = verify(connector, found, request, now);
    // Refused, or taken by a replaced secret only: the secrets read up to CACHE_MS ago may have
    // changed since (a rotation to the secret the sender now signs with, the replaced one revoked).
    // They are read again first, so a change applies as soon as it is saved, not a cache later.
    if ((!verified.ok || verified.byPrevious) && performance.now() - found.loadedAt > RECHECK_AFTER_MS) {
      // A database that does not answer leaves the verdict of the copy: no 503 for a bad signature.
      verified = verify(connector, await refresh(integrationId).catch(() => found), request, now);
    }
    if (verified.ok && verified.byPrevious) hub.metrics.webhooksByPreviousSecret.inc({ connector: connector.id });
    if (!verified.ok) {
      // The request line says only 401: the reason (headers missing, a stale timestamp, a signature
      // that does not match) tells a misconfigured sender from a wrong secret or a drifting clock.
      // The reason is the connector's fixed wording; the signature, the secret and the body stay out.
      // Anyone who knows an integration's address can send these in a loop: 10 lines a minute per
      // connector and reason, then a count (hub_webhooks_total counts every one).
      signatureLog.write(
        `${connector.id}:${verified.reason}`,
        { level: 'warn', fields: { integrationId, connector: connector.id, status: 401, code: 'signature_invalid', reason: verified.reason }, message: 'webhook signature rejected' },
        {
          level: 'warn',
          fields: { connector: connector.id, code: 'signature_invalid', reason: verified.reason },
          message: `more webhook signatures were rejected than are logged (${LOGGED_PER_WINDOW} a minute); all are counted in hub_webhooks_total`,
        },
      );
      return reject(connector.id, 'rejected_signature', new ApiError(401, 'signature_invalid', `webhook signature rejected: ${verified.reason}`, { runbook: runbookPath('signature_invalid') }));
    }
    const immediate = connector.webhook.respond?.(request);
    if (immediate) {
      hub.metrics.webhooks.inc({ connector: connector.id, outcome: 'answered' });
      return immediate;
    }

    let interaction;
    try {
      interaction = connector.webhook.interaction?.(request);
    } catch (error) {
      return reject(connector.id, 'invalid', unreadable(connector.displayName, error));
    }
    if (interaction && connector.webhook.interact) {
      return runInteraction(hub, batcher, row, connector, request, interaction).catch((error: unknown) => refusal(error, row, connector));
    }

    let events;
    try {
      events = connector.webhook.parse(request);
    } catch (error) {
      return reject(connector.id, 'invalid', unreadable(connector.displayName, error));
    }
    // Only deliveries without a provider id need the body hash for their dedupe key.
    const bodyKey = events.some((event) => event.deliveryId === undefined) ? `body:${sha256(request.rawBody)}` : '';
    let results;
    try {
      // Inside the try: hashing a payload nested thousands deep overflows the stack (isTooDeep).
      results = await storeEvents(row, events, bodyKey);
    } catch (error) {
      return refusal(error, row, connector);
    }
    const answer = webhookAccepted(results);
    const toRoute = results.flatMap((result) => (result.pending ? [result.id] : []));
    hub.metrics.webhooks.inc({ connector: connector.id, outcome: answer.duplicates === 0 ? 'accepted' : 'duplicate' });
    hub.metrics.events.inc({ source: 'webhook' }, answer.accepted);
    void dispatchEvents(hub, toRoute);
    return jsonAnswer(202, answer);
  };
}
