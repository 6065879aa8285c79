import { defineRoute } from '../http/route.ts';
import { ErrorResponse, IdParams } from '../../schemas/api/common.schema.ts';
import { CreateRouteRequest, Route, RouteList, UpdateRouteRequest } from '../../schemas/api/route.schema.ts';
import { createRoute, deleteRoute, requireRoute, toRoute, updateRoute } from './route.service.ts';

const notFound = { 404: { description: 'not found', schema: ErrorResponse } };

export const routeRoutes = [
  defineRoute({
    method: 'get', path: '/api/routes', summary: 'List routes', tag: 'routes', access: 'viewer',
    responses: { 200: { description: 'routes', schema: RouteList } },
    async handler(_input, { hub, principal }) {
      const rows = await hub.db.selectFrom('routes').selectAll().where('tenant_id', '=', principal.tenantId).orderBy('name').execute();
      return { status: 200, body: { routes: rows.map(toRoute) } };
    },
  }),
  defineRoute({
    method: 'post', path: '/api/routes', summary: 'Create a route: events matching the filter run an action of another integration', tag: 'routes', access: 'admin',
    body: CreateRouteRequest,
    responses: { 201: { description: 'created', schema: Route } },
    async handler({ body }, { hub, principal, requestId }) {
      return { status: 201, body: toRoute(await createRoute(hub, principal, body, requestId)) };
    },
  }),
  defineRoute({
    method: 'get', path: '/api/routes/:id', summary: 'Get one route', tag: 'routes', access: 'viewer', resource: 'route',
    params: IdParams, responses: { 200: { description: 'route', schema: Route }, ...notFound },
    async handler({ params }, { hub, principal }) {
      return { status: 200, body: toRoute(await requireRoute(hub, principal.tenantId, params.id)) };
    },
  }),
  defineRoute({
    method: 'patch', path: '/api/routes/:id', summary: 'Change a route', tag: 'routes', access: 'admin', resource: 'route',
    params: IdParams, body: UpdateRouteRequest, responses: { 200: { description: 'route', schema: Route }, ...notFound },
    async handler({ params, body }, { hub, principal, requestId }) {
      return { status: 200, body: toRoute(await updateRoute(hub, principal, params.id, body, requestId)) };
    },
  }),
  defineRoute({
    method: 'delete', path: '/api/routes/:id', summary: 'Delete a route', tag: 'routes', access: 'admin', resource: 'route',
    params: IdParams, responses: { 204: { description: 'deleted' }, ...notFound },
    async handler({ params }, { hub, principal, requestId }) {
      await deleteRoute(hub, principal, params.id, requestId);
      return { status: 204 };
    },
  }),
];
