import { z } from 'zod';
import { LowerCaseUuid } from '../../schemas/api/common.schema.ts';
import { valueAtPath } from './value-at-path.ts';

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export const RouteFilter = z.strictObject({
  sourceIntegrationId: LowerCaseUuid.optional(),
  connector: z.string().min(1).optional(),
  /** Exact type (`incident.created`) or a prefix ending in `*` (`failure.*`). */
  eventType: z
    .string()
    .min(1)
    .refine((type) => !type.slice(0, -1).includes('*'), 'a `*` may only end the type, as in "failure.*"')
    .optional(),
  /** Dotted paths into the event payload and the values they must equal. */
  fields: z
    .preprocess(
      (fields, ctx) => {
        // Checked on the raw keys: JSON.parse makes "__proto__" an own key, which the record below
        // would drop without a word, leaving a filter that matches more than was asked.
        const unsafe = fields && typeof fields === 'object' ? Object.keys(fields).find((path) => path.split('.').some((part) => UNSAFE_KEYS.has(part))) : undefined;
        if (unsafe !== undefined) ctx.addIssue({ code: 'custom', message: `the field path "${unsafe}" may not use __proto__, constructor or prototype`, input: fields });
        return fields;
      },
      z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    )
    .optional(),
});
export type RouteFilter = z.infer<typeof RouteFilter>;

export interface EventForMatching {
  integrationId: string;
  connector: string;
  type: string;
  payload: unknown;
}

function typeMatches(pattern: string, type: string): boolean {
  return pattern.endsWith('*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

export function routeMatches(filter: RouteFilter, event: EventForMatching): boolean {
  if (filter.sourceIntegrationId && filter.sourceIntegrationId !== event.integrationId) return false;
  if (filter.connector && filter.connector !== event.connector) return false;
  if (filter.eventType && !typeMatches(filter.eventType, event.type)) return false;
  for (const [path, expected] of Object.entries(filter.fields ?? {})) {
    if (valueAtPath(event.payload, path) !== expected) return false;
  }
  return true;
}
