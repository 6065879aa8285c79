import { isDeepStrictEqual } from 'node:util';
import { auditAs } from '../audit/audit-as.ts';
import type { Principal } from '../auth/principal.ts';
import type { RouteRow } from '../db/database.types.ts';
import { ConflictError, NotFoundError, ValidationError } from '../http/api-error.ts';
import { findIntegration } from '../integrations/integration.repository.ts';
import type { HubContext } from '../server/hub-context.ts';
import type { CreateRouteRequest, Route, UpdateRouteRequest } from '../../schemas/api/route.schema.ts';
import type { RouteFilter } from './route.filter.ts';
import { templateFieldErrors } from './route.template-keys.ts';
import { templateLimitErrors } from './route.template-limits.ts';
import { atVersion } from '../db/row-version.ts';
import { isForeignKeyViolation } from '../db/postgres-errors.ts';
import { routeActionOperation } from '../runs/run.operation.ts';
import { withdrawOperation } from '../tasks/task-recovery.ts';

export function toRoute(row: RouteRow): Route {
  return {
    id: row.id,
    name: row.name,
    filter: row.filter as RouteFilter,
    targetIntegrationId: row.target_integration_id,
    action: row.action,
    inputTemplate: row.input_template as Record<string, unknown>,
    enabled: row.enabled,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function findRoute(hub: HubContext, tenantId: string, id: string): Promise<RouteRow | undefined> {
  return hub.db.selectFrom('routes').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

export async function requireRoute(hub: HubContext, tenantId: string, id: string): Promise<RouteRow> {
  const row = await findRoute(hub, tenantId, id);
  if (!row) throw new NotFoundError('route');
  return row;
}

/**
 * The target must be an integration of the tenant whose connector offers the action, and the
 * template (when given) may only set fields that action takes (route.template-keys.ts).
 */
async function checkTarget(
  hub: HubContext,
  tenantId: string,
  targetIntegrationId: string,
  action: string,
  filter: RouteFilter,
  template: Record<string, unknown> | undefined,
  /** Whether the filter or the target is being set: a route saved before their checks can still be renamed or switched off. */
  routing = true,
): Promise<void> {
  const target = await findIntegration(hub.db, tenantId, targetIntegrationId);
  if (!target) throw new ValidationError('unknown target integration', [{ path: 'body.targetIntegrationId', message: 'no such integration in this tenant' }]);
  const actions = hub.connectors.get(target.connector)?.actions ?? {};
  const definition = Object.hasOwn(actions, action) ? actions[action] : undefined;
  if (!definition) {
    throw new ValidationError(`${target.connector} has no action "${action}"`, [
      { path: 'body.action', message: `expected one of: ${Object.keys(actions).join(', ') || '(this connector has no actions)'}` },
    ]);
  }
  const problems = template ? templateFieldErrors(definition, template) : [];
  if (problems.length > 0) {
    const names = problems.map((field) => field.path.slice('body.inputTemplate.'.length)).join(', ');
    throw new ValidationError(`the input template does not fit ${target.connector}.${action}: ${names}`, problems);
  }
  if (routing && filter.connector !== undefined && !hub.connectors.get(filter.connector)) {
    throw new ValidationError('unknown connector in the filter', [{ path: 'body.filter.connector', message: `no such connector; expected one of: ${hub.connectors.list().map((connector) => connector.id).join(', ')}` }]);
  }
  if (routing && filter.sourceIntegrationId === targetIntegrationId) {
    // What its action changes comes back as events of the same integration, which it would act on
    // again: a loop. (Routing never acts on a route's own target's events either: route.apply.ts.)
    throw new ValidationError('a route acts on another integration than its source', [{ path: 'body.targetIntegrationId', message: 'is the filter\'s source integration: the changes its action makes would come back as events and be acted on again' }]);
  }
  if (filter.sourceIntegrationId && !(await findIntegration(hub.db, tenantId, filter.sourceIntegrationId))) {
    throw new ValidationError('unknown source integration', [{ path: 'body.filter.sourceIntegrationId', message: 'no such integration in this tenant' }]);
  }
}

/**
 * The route's write, answered as checkTarget answers when an integration it names was deleted
 * after checkTarget read it: the write's foreign key fails, and checking again names the field.
 */
async function refusingVanishedIntegrations<T>(write: Promise<T>, checkAgain: () => Promise<void>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isForeignKeyViolation(error)) await checkAgain();
    throw error;
  }
}

/** A template given in the request must keep within what a template may hold (route.template-limits.ts). */
function checkTemplateLimits(template: Record<string, unknown> | undefined): void {
  const errors = template ? templateLimitErrors(template) : [];
  if (errors.length > 0) throw new ValidationError(`the input template cannot be saved: ${errors.map((error) => `${error.path} ${error.message}`).join('; ')}`, errors);
}

async function audit(db: Parameters<typeof auditAs>[0], principal: Principal, action: string, row: RouteRow, requestId: string): Promise<void> {
  await auditAs(db, principal, requestId, { action, targetType: 'route', targetId: row.id, detail: { name: row.name } });
}

export async function createRoute(hub: HubContext, principal: Principal, input: CreateRouteRequest, requestId: string): Promise<RouteRow> {
  checkTemplateLimits(input.inputTemplate);
  const check = () => checkTarget(hub, principal.tenantId, input.targetIntegrationId, input.action, input.filter, input.inputTemplate);
  await check();
  const insert = hub.db
    .insertInto('routes')
    .values({
      tenant_id: principal.tenantId,
      name: input.name,
      filter: JSON.stringify(input.filter),
      source_integration_id: input.filter.sourceIntegrationId ?? null,
      target_integration_id: input.targetIntegrationId,
      action: input.action,
      input_template: JSON.stringify(input.inputTemplate),
      enabled: input.enabled,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const row = await refusingVanishedIntegrations(insert, check);
  await audit(hub.db, principal, 'route.created', row, requestId);
  return row;
}

/** The route changed after the version an update was based on (an edit form left open). */
export class RouteChangedError extends ConflictError {
  constructor() {
    super('the route was changed by someone else since it was read; load it again and repeat the change');
  }
}

export interface UpdateRouteOptions {
  /**
   * Apply only while `updated_at` still equals this instant (the version the edit form was filled
   * from), in the same statement as the write, else RouteChangedError and nothing changes.
   */
  expectedUpdatedAt?: string | undefined;
}

export async function updateRoute(
  hub: HubContext,
  principal: Principal,
  id: string,
  input: UpdateRouteRequest,
  requestId: string,
  options: UpdateRouteOptions = {},
): Promise<RouteRow> {
  const expected = options.expectedUpdatedAt;
  checkTemplateLimits(input.inputTemplate);
  const existing = await requireRoute(hub, principal.tenantId, id);
  const filter = input.filter ?? (existing.filter as RouteFilter);
  // A field counts as changed when its value differs from the stored one, not merely when it is
  // sent: the admin UI's edit form (and a client that PUTs the whole route back) sends them all.
  const filterChanged = changes(input.filter, existing.filter);
  const targetChanged = changes(input.targetIntegrationId, existing.target_integration_id);
  // The template is checked when the patch changes what it is for (template, action or target): a
  // route saved before templates were checked can still be renamed or switched off.
  const retargeted = changes(input.inputTemplate, existing.input_template) || changes(input.action, existing.action) || targetChanged;
  const template = input.inputTemplate ?? (existing.input_template as Record<string, unknown>);
  const check = () =>
    checkTarget(
      hub,
      principal.tenantId,
      input.targetIntegrationId ?? existing.target_integration_id,
      input.action ?? existing.action,
      filter,
      retargeted ? template : undefined,
      filterChanged || targetChanged,
    );
  await check();
  let update = hub.db
    .updateTable('routes')
    .set({
      ...(input.name === undefined ? {} : { name: input.name }),
      ...(input.filter === undefined ? {} : { filter: JSON.stringify(input.filter), source_integration_id: input.filter.sourceIntegrationId ?? null }),
      ...(input.targetIntegrationId === undefined ? {} : { target_integration_id: input.targetIntegrationId }),
      ...(input.action === undefined ? {} : { action: input.action }),
      ...(input.inputTemplate === undefined ? {} : { input_template: JSON.stringify(input.inputTemplate) }),
      ...(input.enabled === undefined ? {} : { enabled: input.enabled }),
      // Switched on again, it acts on the events received from then on: a trigger (migration 0019)
      // stamps enabled_at, for every version's writes alike.
      updated_at: hub.clock(),
    })
    .where('tenant_id', '=', principal.tenantId)
    .where('id', '=', id);
  if (expected !== undefined) update = update.where(atVersion(expected));
  const row = await refusingVanishedIntegrations(update.returningAll().executeTakeFirst(), check);
  if (!row) {
    // Deleted since it was read: the same 404 as if it had gone before.
    if (expected === undefined || !(await findRoute(hub, principal.tenantId, id))) throw new NotFoundError('route');
    throw new RouteChangedError();
  }
  await audit(hub.db, principal, 'route.updated', row, requestId);
  const withdrawal = withdrawalBy(existing, row);
  if (withdrawal !== undefined) await withdrawRouteAction(hub, existing, `route "${row.name}" ${withdrawal}`);
  return row;
}

/**
 * How an update took the route's action back (route-withdrawn.ts cancels its waiting runs alike), or
 * undefined when the action it ran before still runs. Switched off, it acts no more until switched
 * on again, when only events from then on reach it: its failures before are no longer its to settle.
 */
function withdrawalBy(before: RouteRow, after: RouteRow): string | undefined {
  if (after.target_integration_id !== before.target_integration_id) return 'acts on another integration';
  if (after.action !== before.action) return `runs ${after.action} instead`;
  if (before.enabled && !after.enabled) return 'was switched off';
  return undefined;
}

/** Whether a patch's `sent` value (undefined: not sent) differs from the `stored` one. */
function changes(sent: unknown, stored: unknown): boolean {
  return sent !== undefined && !isDeepStrictEqual(sent, stored);
}

/** Of concurrent deletes one deletes, audited with it; the others answer 404 as for a route gone before. */
export async function deleteRoute(hub: HubContext, principal: Principal, id: string, requestId: string): Promise<void> {
  const row = await hub.db.transaction().execute(async (trx) => {
    const deleted = await trx.deleteFrom('routes').where('tenant_id', '=', principal.tenantId).where('id', '=', id).returningAll().executeTakeFirst();
    if (!deleted) throw new NotFoundError('route');
    await audit(trx, principal, 'route.deleted', deleted, requestId);
    return deleted;
  });
  await withdrawRouteAction(hub, row, `route "${row.name}" was deleted`);
}

/**
 * The route's action on its target will not run again: its failure tasks there can never be settled
 * by a success, so it comes off them, and a task with nothing else failing resolves.
 */
async function withdrawRouteAction(hub: HubContext, route: RouteRow, why: string): Promise<void> {
  await withdrawOperation(hub, { integrationId: route.target_integration_id, operation: routeActionOperation(route.action, route.id), why });
}
