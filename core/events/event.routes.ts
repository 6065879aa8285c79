import { cursorOf } from '../db/keyset.ts';
import { NotFoundError } from '../http/api-error.ts';
import { defineRoute } from '../http/route.ts';
import { ErrorResponse, IdParams } from '../../schemas/api/common.schema.ts';
import { Event, EventList, EventQuery, ReplayedEvent } from '../../schemas/api/event.schema.ts';
import { replayEvent } from './event-replay.service.ts';
import { toEvent } from './event.mapper.ts';
import { listEventPage } from './event-page.query.ts';
import { findEvent } from './event.query.ts';

const notFound = { 404: { description: 'not found', schema: ErrorResponse } };

export const eventRoutes = [
  defineRoute({
    method: 'get', path: '/api/events',
    summary:
      'Events, newest first. A page holds fewer than `limit` events when their payloads are large (a few MB per page, at least one event). ' +
      'Next page: `before` = the last event\'s `receivedAt`, `beforeId` = its `id`',
    tag: 'events', access: 'viewer',
    query: EventQuery, responses: { 200: { description: 'events; fewer than `limit` when their payloads are large', schema: EventList } },
    async handler({ query }, { hub, principal }) {
      const rows = await listEventPage(hub, principal.tenantId, { ...query, before: cursorOf(query) });
      return { status: 200, body: { events: rows.map(toEvent) } };
    },
  }),
  defineRoute({
    method: 'get', path: '/api/events/:id', summary: 'One event', tag: 'events', access: 'viewer', resource: 'event',
    params: IdParams, responses: { 200: { description: 'event', schema: Event }, ...notFound },
    async handler({ params }, { hub, principal }) {
      const row = await findEvent(hub, principal.tenantId, params.id);
      if (!row) throw new NotFoundError('event');
      return { status: 200, body: toEvent(row) };
    },
  }),
  defineRoute({
    method: 'post', path: '/api/events/:id/replay',
    summary: 'Route the event again. Route actions that already succeeded for it are not repeated; failed ones run again.',
    tag: 'events', access: 'operator', resource: 'event', params: IdParams,
    responses: {
      202: { description: 'queued for routing', schema: ReplayedEvent },
      ...notFound,
      409: { description: 'a chat interaction, answered when it arrived and never routed: nothing to replay', schema: ErrorResponse },
    },
    async handler({ params }, { hub, principal, requestId }) {
      const { event, failedActionsRetried, failedActionsNotRetried } = await replayEvent(hub, principal, params.id, requestId);
      return { status: 202, body: { ...toEvent(event), replay: { failedActionsRetried, failedActionsNotRetried } } };
    },
  }),
];
