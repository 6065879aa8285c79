import { auditAs } from '../audit/audit-as.ts';
import { defineRoute } from '../http/route.ts';
import { integrationHealth } from '../health/integration-health.service.ts';
import type { IntegrationConfigRow } from '../db/database.types.ts';
import { checkIntegration } from '../runs/check.service.ts';
import { toRun } from '../runs/run.mapper.ts';
import { requestSync } from '../runs/sync.service.ts';
import type { HubContext } from '../server/hub-context.ts';
import { ErrorResponse, IdParams } from '../../schemas/api/common.schema.ts';
import {
  CheckResponse,
  CreateIntegrationRequest,
  IntegrationList,
  IntegrationListQuery,
  IntegrationWithHealth,
  SyncRequest,
  UpdateIntegrationRequest,
} from '../../schemas/api/integration.schema.ts';
import { RunList } from '../../schemas/api/run.schema.ts';
import { toIntegration } from './integration.mapper.ts';
import { listIntegrations } from './integration.repository.ts';
import { createIntegration, deleteIntegration, requireIntegration, setPaused, updateIntegration } from './integration.service.ts';

const notFound = { 404: { description: 'not found', schema: ErrorResponse } };

async function withHealth(hub: HubContext, rows: IntegrationConfigRow[]) {
  const health = await integrationHealth(hub, rows);
  return rows.map((row) => ({
    ...toIntegration(row, hub),
    health: health.get(row.id)!,
    webhookUrl: hub.connectors.get(row.connector)?.webhook ? `${hub.config.HUB_PUBLIC_URL?.replace(/\/$/, '') ?? ''}/hooks/${row.id}` : null,
  }));
}

async function one(hub: HubContext, row: IntegrationConfigRow) {
  const [integration] = await withHealth(hub, [row]);
  return integration;
}

export const integrationRoutes = [
  defineRoute({
    method: 'get', path: '/api/integrations', summary: 'Integrations of the tenant with their health', tag: 'integrations', access: 'viewer',
    query: IntegrationListQuery, responses: { 200: { description: 'integrations', schema: IntegrationList } },
    async handler({ query }, { hub, principal }) {
      return { status: 200, body: { integrations: await withHealth(hub, await listIntegrations(hub.db, principal.tenantId, query)) } };
    },
  }),
  defineRoute({
    method: 'post', path: '/api/integrations', summary: 'Configure a connector: config, credentials (write-only), schedules, environment', tag: 'integrations',
    access: 'admin', body: CreateIntegrationRequest,
    responses: { 201: { description: 'created', schema: IntegrationWithHealth }, 409: { description: 'name taken', schema: ErrorResponse } },
    async handler({ body }, { hub, principal, requestId }) {
      return { status: 201, body: await one(hub, await createIntegration(hub, principal, body, requestId)) };
    },
  }),
  defineRoute({
    method: 'get', path: '/api/integrations/:id', summary: 'One integration with health (never its secrets)', tag: 'integrations',
    access: 'viewer', resource: 'integration', params: IdParams,
    responses: { 200: { description: 'integration', schema: IntegrationWithHealth }, ...notFound },
    async handler({ params }, { hub, principal }) {
      return { status: 200, body: await one(hub, await requireIntegration(hub, principal.tenantId, params.id)) };
    },
  }),
  defineRoute({
    method: 'patch', path: '/api/integrations/:id', summary: 'Change an integration: config is a JSON merge patch (null removes a key); schedules replace the streams named (null restores the default); credentials given here replace the stored ones', tag: 'integrations',
    access: 'admin', resource: 'integration', params: IdParams, body: UpdateIntegrationRequest,
    responses: {
      200: { description: 'integration', schema: IntegrationWithHealth },
      ...notFound,
      409: { description: 'the name is taken in that environment, the integration changed since the version the client read, or new credentials need an approved rotation', schema: ErrorResponse },
    },
    async handler({ params, body }, { hub, principal, requestId }) {
      return { status: 200, body: await one(hub, await updateIntegration(hub, principal, params.id, body, requestId, { patch: 'merge' })) };
    },
  }),
  defineRoute({
    method: 'delete', path: '/api/integrations/:id', summary: 'Delete an integration, its schedules, runs and events', tag: 'integrations',
    access: 'admin', resource: 'integration', params: IdParams, responses: { 204: { description: 'deleted' }, ...notFound },
    async handler({ params }, { hub, principal, requestId }) {
      await deleteIntegration(hub, principal, params.id, requestId);
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'post', path: '/api/integrations/:id/check', summary: "Run the connector's connection check now", tag: 'integrations',
    access: 'operator', resource: 'integration', params: IdParams,
    responses: { 200: { description: 'the check result; a failure carries its code and runbook', schema: CheckResponse }, ...notFound },
    async handler({ params }, { hub, principal, requestId }) {
      const result = await checkIntegration(hub, await requireIntegration(hub, principal.tenantId, params.id), principal.label);
      await auditAs(hub.db, principal, requestId, { action: 'integration.checked', targetType: 'integration', targetId: params.id, detail: { ok: result.ok, runId: result.runId } });
      return { status: 200, body: result };
    },
  }),
  defineRoute({
    method: 'post', path: '/api/integrations/:id/sync', summary: 'Queue a manual poll of one stream or all (incremental, or full to re-read everything)', tag: 'integrations',
    access: 'operator', resource: 'integration', params: IdParams, body: SyncRequest,
    responses: { 202: { description: 'runs queued', schema: RunList }, ...notFound, 409: { description: 'the connector has no streams to poll (Slack)', schema: ErrorResponse } },
    async handler({ params, body }, { hub, principal, requestId }) {
      const runs = await requestSync(hub, await requireIntegration(hub, principal.tenantId, params.id), body, principal.label);
      await auditAs(hub.db, principal, requestId, { action: 'integration.sync_requested', targetType: 'integration', targetId: params.id, detail: { stream: body.stream ?? null, mode: body.mode, runs: runs.length } });
      return { status: 202, body: { runs: runs.map(toRun) } };
    },
  }),
  defineRoute({
    method: 'post', path: '/api/integrations/:id/pause', summary: 'Stop scheduled polls until resumed', tag: 'integrations',
    access: 'operator', resource: 'integration', params: IdParams,
    responses: { 200: { description: 'paused', schema: IntegrationWithHealth }, ...notFound },
    async handler({ params }, { hub, principal, requestId }) {
      return { status: 200, body: await one(hub, await setPaused(hub, principal, params.id, true, requestId)) };
    },
  }),
  defineRoute({
    method: 'post', path: '/api/integrations/:id/resume', summary: 'Schedule polls again', tag: 'integrations',
    access: 'operator', resource: 'integration', params: IdParams,
    responses: { 200: { description: 'resumed', schema: IntegrationWithHealth }, ...notFound },
    async handler({ params }, { hub, principal, requestId }) {
      return { status: 200, body: await one(hub, await setPaused(hub, principal, params.id, false, requestId)) };
    },
  }),
];
