import { NotFoundError } from '../http/api-error.ts';
import { defineRoute } from '../http/route.ts';
import { ErrorResponse, IdParams } from '../../schemas/api/common.schema.ts';
import { Event, EventList, EventQuery } from '../../schemas/api/event.schema.ts';
import { replayEvent } from './event-replay.service.ts';
import { toEvent } from './event.mapper.ts';

const notFound = { 404: { description: 'not found', schema: ErrorResponse } };

export const eventRoutes = [
  defineRoute({
    method: 'get', path: '/api/events', summary: 'Events, newest first', tag: 'events', access: 'viewer',
    query: EventQuery, responses: { 200: { description: 'events', schema: EventList } },
    async handler({ query }, { hub, principal }) {
      let select = hub.db.selectFrom('integration_events').selectAll().where('tenant_id', '=', principal.tenantId);
      if (query.integrationId) select = select.where('integration_id', '=', query.integrationId);
      if (query.status) select = select.where('status', '=', query.status);
      if (query.source) select = select.where('source', '=', query.source);
      if (query.type) {
        select = query.type.endsWith('*') ? select.where('type', 'like', `${query.type.slice(0, -1).replace(/[%_\\]/g, '\\$&')}%`) : select.where('type', '=', query.type);
      }
      const rows = await select.orderBy('received_at', 'desc').limit(query.limit).execute();
      return { status: 200, body: { events: rows.map(toEvent) } };
    },
  }),
  defineRoute({
    method: 'get', path: '/api/events/:id', summary: 'One event', tag: 'events', access: 'viewer', resource: 'event',
    params: IdParams, responses: { 200: { description: 'event', schema: Event }, ...notFound },
    async handler({ params }, { hub, principal }) {
      const row = await hub.db.selectFrom('integration_events').selectAll().where('tenant_id', '=', principal.tenantId).where('id', '=', params.id).executeTakeFirst();
      if (!row) throw new NotFoundError('event');
      return { status: 200, body: toEvent(row) };
    },
  }),
  defineRoute({
    method: 'post', path: '/api/events/:id/replay',
    summary: 'Route the event again. Route actions that already succeeded for it are not repeated; failed ones run again.',
    tag: 'events', access: 'operator', resource: 'event', params: IdParams,
    responses: { 202: { description: 'queued for routing', schema: Event }, ...notFound },
    async handler({ params }, { hub, principal, requestId }) {
      const row = await replayEvent(hub, principal, params.id, requestId);
      return { status: 202, body: toEvent(row) };
    },
  }),
];
