import { servicenow } from '../connectors/servicenow/connector.ts';

/**
 * A `schedules` body with every stream of a connector switched off: tests and the bench start
 * syncs themselves, and a scheduled poll would fire at once and compete with them.
 */
export function schedulesOff(connector: { streams: Record<string, unknown> }): Record<string, { enabled: false }> {
  return Object.fromEntries(Object.keys(connector.streams).map((stream) => [stream, { enabled: false as const }]));
}

export const SERVICENOW_SCHEDULES_OFF = schedulesOff(servicenow);
