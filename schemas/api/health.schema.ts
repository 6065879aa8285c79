import { z } from 'zod';

export const DependencyCheck = z.object({
  status: z.enum(['up', 'down']),
  kind: z.string(),
  latencyMs: z.number(),
  error: z.string().optional(),
});
export type DependencyCheck = z.infer<typeof DependencyCheck>;

export const HealthReport = z.object({
  status: z.enum(['ok', 'unavailable']),
  role: z.enum(['api', 'worker', 'all']),
  version: z.string(),
  uptimeSeconds: z.number(),
  checks: z.object({ database: DependencyCheck, queue: DependencyCheck }),
});
export type HealthReport = z.infer<typeof HealthReport>;
