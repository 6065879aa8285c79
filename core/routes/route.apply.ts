import type { ActionDefinition } from '../../connectors/sdk/connector.types.ts';
import type { ConnectorRegistry } from '../connectors/connector-registry.ts';
import type { EventRow, RouteRow } from '../db/database.types.ts';
import { routeMatches, type RouteFilter } from './route.filter.ts';
import { renderTemplate, RenderedTooLargeError } from './route.template.ts';
import { unrenderedInput } from './unrendered-input.ts';

// How a route applies to an event, shared by routing (event.processor.ts) and replay
// (event-replay.service.ts), so a replayed action is judged and templated as the original was.

/** The event's own integration, as a route's filter and template see it. */
export interface SourceIntegration {
  name: string;
  connector: string;
  environment: string;
}

type RoutedEvent = Pick<EventRow, 'id' | 'integration_id' | 'source' | 'type' | 'external_id' | 'stream' | 'payload' | 'received_at'>;

/** Whether the route acts on the event. */
export function routeActsOn(route: Pick<RouteRow, 'filter' | 'target_integration_id'>, event: RoutedEvent, source: SourceIntegration): boolean {
  // Never on its own target's events: what its action changes comes back as events of that
  // integration (a work note makes a new record version, a failure a failure event), and acting on
  // them again would loop.
  if (route.target_integration_id === event.integration_id) return false;
  return routeMatches(route.filter as RouteFilter, { integrationId: event.integration_id, connector: source.connector, type: event.type, payload: event.payload });
}

/** What rendering needs of the action a route runs: how it takes event data into markup. */
export type RouteAction = Pick<ActionDefinition<unknown, unknown>, 'templateValues'>;

/** The action the route runs, as its target integration's connector (`targetConnector`) declares it; undefined when there is none. */
export function routeAction(connectors: Pick<ConnectorRegistry, 'get'>, targetConnector: string, route: Pick<RouteRow, 'action'>): RouteAction | undefined {
  const actions = connectors.get(targetConnector)?.actions ?? {};
  return Object.hasOwn(actions, route.action) ? actions[route.action] : undefined;
}

/**
 * The route's action input for the event, rendered from its template, with event data written
 * into the action's markup fields as the action says (TemplateValues); for a template that renders
 * past the bound for this event, the stand-in that fails its action (unrendered-input.ts).
 */
export function routeInput(route: Pick<RouteRow, 'input_template'>, event: RoutedEvent, source: SourceIntegration, action: RouteAction | undefined): unknown {
  try {
    const scope = {
      event: { id: event.id, type: event.type, externalId: event.external_id, stream: event.stream, payload: event.payload, receivedAt: event.received_at.toISOString() },
      integration: { id: event.integration_id, name: source.name, connector: source.connector, environment: source.environment },
    };
    return renderTemplate(route.input_template, scope, undefined, action?.templateValues);
  } catch (error) {
    if (error instanceof RenderedTooLargeError) return unrenderedInput(`the route's input template cannot be rendered for event ${event.id}: ${error.message}`);
    throw error;
  }
}
