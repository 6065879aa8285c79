import { z } from 'zod';
import { RouteFilter } from '../../core/routes/route.filter.ts';
import { CatalogName, LowerCaseUuid, Timestamp, Name } from './common.schema.ts';

export const Route = z.object({
  id: z.uuid(),
  name: z.string(),
  filter: RouteFilter,
  targetIntegrationId: z.uuid(),
  action: z.string(),
  inputTemplate: z.record(z.string(), z.unknown()),
  enabled: z.boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Route = z.infer<typeof Route>;

export const RouteList = z.object({ routes: z.array(Route) });

export const CreateRouteRequest = z.strictObject({
  name: Name,
  filter: RouteFilter.default({}),
  targetIntegrationId: LowerCaseUuid,
  action: CatalogName,
  inputTemplate: z.record(z.string(), z.unknown()).default({}),
  enabled: z.boolean().default(true),
});
export type CreateRouteRequest = z.infer<typeof CreateRouteRequest>;

export const UpdateRouteRequest = z.strictObject({
  name: Name.optional(),
  filter: RouteFilter.optional(),
  targetIntegrationId: LowerCaseUuid.optional(),
  action: CatalogName.optional(),
  inputTemplate: z.record(z.string(), z.unknown()).optional(),
  enabled: z.boolean().optional(),
});
export type UpdateRouteRequest = z.infer<typeof UpdateRouteRequest>;
