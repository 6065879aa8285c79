import type { z } from 'zod';
import type { Principal } from '../auth/principal.ts';
import type { Role } from '../auth/roles.ts';
import type { HubContext } from '../server/hub-context.ts';

// One declaration per API route: path, who may call it, the zod schemas that validate its input
// (and document it in OpenAPI), and the handler. The app registers routes from these
// declarations, so the role rule of a route cannot drift from the route itself.

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type Access = 'public' | Role;

export interface RouteContext<A extends Access> {
  hub: HubContext;
  requestId: string;
  principal: A extends 'public' ? undefined : Principal;
}

export interface RouteResult {
  status: 200 | 201 | 202 | 204 | 503;
  body?: unknown;
}

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
}

export interface RouteDefinition<
  A extends Access = Access,
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: HttpMethod;
  path: string;
  summary: string;
  tag: string;
  access: A;
  /**
   * The kind of tenant-owned row the `:id` path parameter names. The tenancy test creates one in
   * another tenant for every kind and expects 404, so declaring it is required for `:id` routes.
   */
  resource?: string;
  params?: P;
  query?: Q;
  body?: B;
  /** A valid request body, shown in the OpenAPI document (and used by the route-table test). */
  example?: z.input<B>;
  responses: Partial<Record<number, ResponseDoc>>;
  handler: (
    input: { params: z.output<P>; query: z.output<Q>; body: z.output<B> },
    ctx: RouteContext<A>,
  ) => Promise<RouteResult>;
}

export type AnyRoute = RouteDefinition<Access, z.ZodType, z.ZodType, z.ZodType>;

export function defineRoute<
  A extends Access,
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
>(route: RouteDefinition<A, P, Q, B>): AnyRoute {
  return route as unknown as AnyRoute;
}
