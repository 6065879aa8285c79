import type { ConnectorRegistry } from '../connectors/connector-registry.ts';
import type { EventRow } from '../db/database.types.ts';

// Each route acts on a thing once, however often it is routed or replayed: the idempotency key of
// its action run names the route and that thing. The thing is the event, or, when the source's
// connector names the upstream record version the event carries, that version: a change pushed
// and then polled arrives as two events of one version, and the second finds the first's run.

type RoutedEvent = Pick<EventRow, 'id' | 'integration_id' | 'type' | 'external_id' | 'payload'>;

/** What a route's action on `event` is keyed by, its source integration's connector being `connectorId`. */
export function actedOn(connectors: ConnectorRegistry, connectorId: string, event: RoutedEvent): string {
  const version = connectors.get(connectorId)?.recordVersion?.({ type: event.type, externalId: event.external_id, payload: event.payload });
  return version === undefined ? event.id : `record:${event.integration_id}:${version}`;
}

export function routeRunKey(routeId: string, subject: string): string {
  return `route:${routeId}:${subject}`;
}
