import { NotFoundError } from '../http/api-error.ts';
import { defineRoute } from '../http/route.ts';
import { ErrorResponse, IdParams } from '../../schemas/api/common.schema.ts';
import { Run, RunList, RunQuery } from '../../schemas/api/run.schema.ts';
import { toRun } from './run.mapper.ts';

export const runRoutes = [
  defineRoute({
    method: 'get', path: '/api/runs', summary: 'Runs, newest first', tag: 'runs', access: 'viewer',
    query: RunQuery, responses: { 200: { description: 'runs', schema: RunList } },
    async handler({ query }, { hub, principal }) {
      let select = hub.db.selectFrom('integration_runs').selectAll().where('tenant_id', '=', principal.tenantId);
      if (query.integrationId) select = select.where('integration_id', '=', query.integrationId);
      if (query.status) select = select.where('status', '=', query.status);
      if (query.kind) select = select.where('kind', '=', query.kind);
      if (query.stream) select = select.where('stream', '=', query.stream);
      const rows = await select.orderBy('queued_at', 'desc').limit(query.limit).execute();
      return { status: 200, body: { runs: rows.map(toRun) } };
    },
  }),
  defineRoute({
    method: 'get', path: '/api/runs/:id', summary: 'One run with counts, timings and, on failure, the code and runbook', tag: 'runs',
    access: 'viewer', resource: 'run', params: IdParams,
    responses: { 200: { description: 'run', schema: Run }, 404: { description: 'not found', schema: ErrorResponse } },
    async handler({ params }, { hub, principal }) {
      const row = await hub.db.selectFrom('integration_runs').selectAll().where('tenant_id', '=', principal.tenantId).where('id', '=', params.id).executeTakeFirst();
      if (!row) throw new NotFoundError('run');
      return { status: 200, body: toRun(row) };
    },
  }),
];
