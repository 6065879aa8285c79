import { z } from 'zod';

export const ConnectorInfo = z.object({
  id: z.string(),
  displayName: z.string(),
  description: z.string(),
  auth: z.array(z.record(z.string(), z.unknown())),
  configSchema: z.record(z.string(), z.unknown()).describe('JSON Schema of the config'),
  credentialsSchema: z.record(z.string(), z.unknown()).describe('JSON Schema of the write-only credentials'),
  streams: z.array(z.object({ name: z.string(), description: z.string(), defaultIntervalSeconds: z.number() })),
  actions: z.array(z.object({ name: z.string(), description: z.string(), inputSchema: z.record(z.string(), z.unknown()) })),
  webhook: z.boolean(),
});
export type ConnectorInfo = z.infer<typeof ConnectorInfo>;

export const ConnectorCatalog = z.object({ connectors: z.array(ConnectorInfo) });
