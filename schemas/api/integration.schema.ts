import { z } from 'zod';
import { Timestamp } from './common.schema.ts';

export const Environment = z.enum(['staging', 'production']);
export type Environment = z.infer<typeof Environment>;

/** An integration as the API shows it: configuration and state, never a secret. */
export const Integration = z.object({
  id: z.uuid(),
  connector: z.string(),
  name: z.string(),
  environment: Environment,
  config: z.record(z.string(), z.unknown()),
  schedules: z.record(z.string(), z.unknown()),
  enabled: z.boolean(),
  paused: z.boolean(),
  credentials: z.object({
    set: z.boolean(),
    hint: z.string().nullable().describe('masked, e.g. the last four characters'),
    expiresAt: Timestamp.nullable(),
  }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Integration = z.infer<typeof Integration>;

export const IntegrationList = z.object({ integrations: z.array(Integration) });
export type IntegrationList = z.infer<typeof IntegrationList>;

export const IntegrationListQuery = z.object({
  environment: Environment.optional(),
  connector: z.string().min(1).optional(),
});
export type IntegrationListQuery = z.infer<typeof IntegrationListQuery>;
