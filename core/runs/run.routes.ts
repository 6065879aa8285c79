import { cursorOf } from '../db/keyset.ts';
import { NotFoundError } from '../http/api-error.ts';
import { defineRoute } from '../http/route.ts';
import { ErrorResponse, IdParams } from '../../schemas/api/common.schema.ts';
import { RunDetail, RunList, RunQuery } from '../../schemas/api/run.schema.ts';
import { toRun, toRunDetail } from './run.mapper.ts';
import { findRun, listRuns } from './run.query.ts';

export const runRoutes = [
  defineRoute({
    method: 'get', path: '/api/runs',
    summary: 'Runs, newest first. Next page: `before` = the last run\'s `queuedAt`, `beforeId` = its `id`', tag: 'runs', access: 'viewer',
    query: RunQuery, responses: { 200: { description: 'runs', schema: RunList } },
    async handler({ query }, { hub, principal }) {
      const rows = await listRuns(hub, principal.tenantId, { ...query, before: cursorOf(query) });
      return { status: 200, body: { runs: rows.map(toRun) } };
    },
  }),
  defineRoute({
    method: 'get', path: '/api/runs/:id', summary: 'One run with counts, timings, an action\'s input and, on failure, the code and runbook', tag: 'runs',
    access: 'viewer', resource: 'run', params: IdParams,
    responses: { 200: { description: 'run', schema: RunDetail }, 404: { description: 'not found', schema: ErrorResponse } },
    async handler({ params }, { hub, principal }) {
      const row = await findRun(hub, principal.tenantId, params.id);
      if (!row) throw new NotFoundError('run');
      return { status: 200, body: toRunDetail(row) };
    },
  }),
];
