import { z } from 'zod';
import { CatalogName, Timestamp, Name } from './common.schema.ts';
import { StreamSchedule } from './schedule.schema.ts';

export { StreamSchedule } from './schedule.schema.ts';

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
    hint: z.string().nullable().describe('"••••" when a secret is stored: nothing of it is shown'),
    expiresAt: Timestamp.nullable(),
    previousAcceptedUntil: Timestamp.nullable().describe('until when the credentials the last change replaced still verify webhooks (HUB_WEBHOOK_SECRET_GRACE_SECONDS); null when they do not'),
  }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Integration = z.infer<typeof Integration>;


export const IntegrationListQuery = z.object({
  environment: Environment.optional(),
  connector: CatalogName.optional(),
});
export type IntegrationListQuery = z.infer<typeof IntegrationListQuery>;

export const CreateIntegrationRequest = z.strictObject({
  connector: CatalogName,
  name: Name,
  environment: Environment.default('production'),
  config: z.record(z.string(), z.unknown()).default({}),
  credentials: z.record(z.string(), z.unknown()).optional(),
  credentialsExpiresAt: Timestamp.optional(),
  schedules: z.record(CatalogName, StreamSchedule).default({}),
  enabled: z.boolean().default(true),
});
export type CreateIntegrationRequest = z.infer<typeof CreateIntegrationRequest>;

export const UpdateIntegrationRequest = z.strictObject({
  name: Name.optional(),
  environment: Environment.optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  credentials: z.record(z.string(), z.unknown()).optional(),
  credentialsExpiresAt: Timestamp.nullable().optional(),
  // Each stream named replaces that stream's schedule; null puts the connector's default back.
  schedules: z.record(CatalogName, StreamSchedule.nullable()).optional(),
  enabled: z.boolean().optional(),
});
export type UpdateIntegrationRequest = z.infer<typeof UpdateIntegrationRequest>;

export const SyncRequest = z.strictObject({
  stream: CatalogName.optional().describe('default: every stream of the connector'),
  mode: z.enum(['incremental', 'full']).default('incremental'),
}).prefault({});
export type SyncRequest = z.infer<typeof SyncRequest>;

export const CheckResponse = z.object({
  ok: z.boolean(),
  detail: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string(), runbook: z.string() }).optional(),
  runId: z.uuid(),
  latencyMs: z.number(),
});
export type CheckResponse = z.infer<typeof CheckResponse>;

export const IntegrationHealth = z.object({
  status: z.enum(['healthy', 'degraded', 'failing', 'paused']),
  lastSuccessAt: Timestamp.nullable(),
  lastFailureAt: Timestamp.nullable(),
  successRate24h: z.number().nullable().describe('share of finished runs that succeeded in the last 24 hours'),
  p95LatencyMs: z.number().nullable(),
  backlog: z.number().describe('queued or running runs plus events waiting to be routed'),
  breaker: z.enum(['closed', 'open', 'half_open']),
  openTasks: z.number(),
});
export type IntegrationHealth = z.infer<typeof IntegrationHealth>;

export const IntegrationWithHealth = Integration.extend({ health: IntegrationHealth, webhookUrl: z.string().nullable() });
export type IntegrationWithHealth = z.infer<typeof IntegrationWithHealth>;

export const IntegrationList = z.object({ integrations: z.array(IntegrationWithHealth) });
export type IntegrationList = z.infer<typeof IntegrationList>;
