import { z } from 'zod';

export const RouteFilter = z.strictObject({
  sourceIntegrationId: z.uuid().optional(),
  connector: z.string().min(1).optional(),
  /** Exact type (`incident.created`) or a prefix ending in `*` (`failure.*`). */
  eventType: z.string().min(1).optional(),
  /** Dotted paths into the event payload and the values they must equal. */
  fields: z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});
export type RouteFilter = z.infer<typeof RouteFilter>;

export interface EventForMatching {
  integrationId: string;
  connector: string;
  type: string;
  payload: unknown;
}

function fieldAt(payload: unknown, path: string): unknown {
  let value = payload;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function typeMatches(pattern: string, type: string): boolean {
  return pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

export function routeMatches(filter: RouteFilter, event: EventForMatching): boolean {
  if (filter.sourceIntegrationId && filter.sourceIntegrationId !== event.integrationId) return false;
  if (filter.connector && filter.connector !== event.connector) return false;
  if (filter.eventType && !typeMatches(filter.eventType, event.type)) return false;
  for (const [path, expected] of Object.entries(filter.fields ?? {})) {
    if (fieldAt(event.payload, path) !== expected) return false;
  }
  return true;
}
