import type { Interaction, WebhookRequest, WebhookResponse } from '../../connectors/sdk/connector.types.ts';
import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import { InteractionNotRecorded } from '../../connectors/sdk/operations.types.ts';
import { hubOperations } from '../chatops/hub-operations.ts';
import { isDatabaseUnavailable } from '../db/postgres-errors.ts';
import type { IntegrationConfigRow } from '../db/database.types.ts';
import { interactionDedupeKey } from '../events/interaction-event.ts';
import { payloadHash } from '../events/payload-hash.ts';
import { connectorContext } from '../integrations/connector-context.factory.ts';
import type { HubContext } from '../server/hub-context.ts';
import type { createEventBatcher } from './event.batcher.ts';

/** Per hub, the work interactions go on with after their answer, until it settles. */
const followUps = new WeakMap<HubContext, Set<Promise<void>>>();

function followUpOf(hub: HubContext): (work: Promise<unknown>) => void {
  return (work) => {
    let running = followUps.get(hub);
    if (!running) followUps.set(hub, (running = new Set()));
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    running.add(settled);
    void settled.then(() => running.delete(settled));
  };
}

/**
 * Settles once the work interactions answered so far go on with has (a button acknowledged at once,
 * a command past "Working on it…"): a graceful stop waits for it, as for requests in flight, since
 * the sender was told it arrived and will not send it again.
 */
export function interactionFollowUpsSettled(hub: HubContext): Promise<unknown> {
  return Promise.all([...(followUps.get(hub) ?? [])]);
}

/**
 * A verified interactive request (a chat command, a button press): recorded first, deduplicated —
 * a replay of the same signed request has no second effect — then run for its synchronous answer.
 * The connector gets the recording still under way: when the database is slow, it may have to
 * answer (Slack within 3 seconds of arrival) before it knows whether to act.
 */
export async function runInteraction(
  hub: HubContext,
  batcher: ReturnType<typeof createEventBatcher>,
  row: IntegrationConfigRow,
  connector: AnyConnector,
  request: WebhookRequest,
  interaction: Interaction,
): Promise<WebhookResponse> {
  const ctx = connectorContext(hub, connector, row);
  const recorded = batcher
    .insert({
      tenant_id: row.tenant_id,
      integration_id: row.id,
      source: 'webhook',
      type: interaction.type,
      payload: interaction.payload,
      payload_hash: payloadHash(interaction.payload),
      dedupe_key: interactionDedupeKey(interaction.dedupeKey),
      // Interactions are answered here, not routed.
      status: 'processed',
    })
    .then(({ created }) => {
      hub.metrics.webhooks.inc({ connector: connector.id, outcome: created ? 'interaction' : 'duplicate' });
      if (created) hub.metrics.events.inc({ source: 'webhook' });
      return created;
    })
    .catch((error: unknown) => {
      if (isDatabaseUnavailable(error)) throw new InteractionNotRecorded('the hub could not record the request', { cause: error });
      throw error;
    });
  return connector.webhook!.interact!(request, ctx, hubOperations(hub, row.tenant_id), recorded, followUpOf(hub));
}
