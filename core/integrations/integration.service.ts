import { isDeepStrictEqual } from 'node:util';
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { auditAs } from '../audit/audit-as.ts';
import type { Principal } from '../auth/principal.ts';
import type { Database, IntegrationConfigRow } from '../db/database.types.ts';
import { ConflictError, NotFoundError } from '../http/api-error.ts';
import { removeSchedules } from '../scheduler/schedule.service.ts';
import { scheduleOrTakeBack, writeWithSchedules } from '../scheduler/schedule.write.ts';
import type { HubContext } from '../server/hub-context.ts';
import type { CreateIntegrationRequest, UpdateIntegrationRequest } from '../../schemas/api/integration.schema.ts';
import { integrationChanged } from './integration-changed.ts';
import { credentialsBeingReplaced, sealCredentials } from './integration-credentials.ts';
import { keepPreviousCredentials } from './previous-credentials.ts';
import { CLEARED_CREDENTIALS, credentialsClearedByMove, upstreamMove } from './upstream-move.ts';
import { recordCredentialAudit } from '../vault/credential-audit.ts';
import { resolveCredentialTasks } from '../vault/credential-tasks.ts';
import { refuseUnapprovedReplacement } from '../vault/credential-approval.ts';
import { supersedePendingRotations } from '../vault/rotation-supersede.ts';
import { expiryChanged, expiryColumns } from '../vault/credential-expiry.ts';
import { secretFingerprint } from '../vault/fingerprint.ts';
import { isUniqueViolation, retryingDeadlocks } from '../db/postgres-errors.ts';
import { releaseHeldRuns } from '../runs/run.hold.ts';
import { dispatchRuns } from '../runs/run.jobs.ts';
import { resolveIntegrationTasksIn } from '../tasks/task.service.ts';
import { findIntegration } from './integration.repository.ts';
import { requireConnector, validateAgainstConnector } from './integration.validation.ts';
import { atVersion } from '../db/row-version.ts';
import { mergePatch } from './json-merge-patch.ts';
import { patchSchedules, type StreamSchedules } from './schedules-patch.ts';

async function audit(db: Kysely<Database>, principal: Principal, action: string, row: IntegrationConfigRow, requestId: string, detail: Record<string, unknown> = {}) {
  await auditAs(db, principal, requestId, {
    action,
    targetType: 'integration',
    targetId: row.id,
    detail: { name: row.name, connector: row.connector, ...detail },
  });
}

export async function requireIntegration(hub: HubContext, tenantId: string, id: string): Promise<IntegrationConfigRow> {
  const row = await findIntegration(hub.db, tenantId, id);
  if (!row) throw new NotFoundError('integration');
  return row;
}

export async function createIntegration(hub: HubContext, principal: Principal, input: CreateIntegrationRequest, requestId: string): Promise<IntegrationConfigRow> {
  const connector = requireConnector(hub.connectors, input.connector);
  const parts = validateAgainstConnector(connector, input);
  // The id is chosen here so the credentials can be sealed bound to it in the same insert.
  const id = randomUUID();
  const row = await hub.db
    .insertInto('integration_configs')
    .values({
      id,
      tenant_id: principal.tenantId,
      connector: connector.id,
      name: input.name,
      environment: input.environment,
      config: JSON.stringify(parts.config ?? {}),
      schedules: JSON.stringify(input.schedules),
      enabled: input.enabled,
      credentials_expires_at: input.credentialsExpiresAt ?? null,
      ...(parts.credentials === undefined ? {} : sealCredentials(hub, principal.tenantId, id, parts.credentials)),
    })
    .returningAll()
    .executeTakeFirstOrThrow()
    .catch((error: unknown) => {
      if (isUniqueViolation(error)) throw new ConflictError(`an integration named "${input.name}" already exists in ${input.environment}`);
      throw error;
    });
  await scheduleOrTakeBack(hub, connector, row);
  await audit(hub.db, principal, 'integration.created', row, requestId, { credentialsSet: parts.credentials !== undefined });
  if (parts.credentials !== undefined) {
    await recordCredentialAudit(hub, {
      tenantId: row.tenant_id, integrationId: row.id, action: 'set', actor: principal.label,
      newFingerprint: await secretFingerprint(hub, row.tenant_id, parts.credentials, hub.db), expiresAt: row.credentials_expires_at,
    });
  }
  return row;
}

/** The integration changed after the version an update was based on (an edit form left open). */
export class IntegrationChangedError extends ConflictError {
  constructor() {
    super('the integration was changed by someone else since it was read; load it again and repeat the change');
  }
}

export interface UpdateIntegrationOptions {
  /**
   * Apply only while `updated_at` still equals this instant (the version findVersionedIntegration
   * reads), else IntegrationChangedError and nothing changes: a stale form must not undo a newer save.
   */
  expectedUpdatedAt?: string | undefined;
  /**
   * `merge` (the API's PATCH): `config` is a JSON merge patch of the stored config, and `schedules`
   * replace the streams they name, both applied to the row as locked in the write, so concurrent
   * patches of different keys all land. `replace` (the admin UI's form, which shows every field):
   * `config` and `schedules` are the whole new ones.
   */
  patch?: 'merge' | 'replace';
}

// What the audit calls each column an update can change (credentials are audited on their own).
const AUDITED_FIELDS = {
  name: 'name',
  environment: 'environment',
  config: 'config',
  schedules: 'schedules',
  enabled: 'enabled',
  credentialsExpiresAt: 'credentials_expires_at',
} as const satisfies Record<string, keyof IntegrationConfigRow>;

/**
 * The fields whose values the write changed, not those the request sent: the admin UI's form sends
 * every field, and the endpoint_disabled runbook finds who disabled an integration by `enabled`.
 */
function changedFields(before: IntegrationConfigRow, after: IntegrationConfigRow): string[] {
  return Object.entries(AUDITED_FIELDS)
    .filter(([, column]) => !isDeepStrictEqual(before[column], after[column]))
    .map(([field]) => field);
}

export async function updateIntegration(
  hub: HubContext,
  principal: Principal,
  id: string,
  input: UpdateIntegrationRequest,
  requestId: string,
  options: UpdateIntegrationOptions = {},
): Promise<IntegrationConfigRow> {
  const expected = options.expectedUpdatedAt;
  const existing = await requireIntegration(hub, principal.tenantId, id);
  const connector = requireConnector(hub.connectors, existing.connector);
  const merging = options.patch === 'merge';
  const configFrom = (stored: unknown) => (merging && input.config !== undefined ? mergePatch(stored, input.config) : input.config);
  const schedulesFrom = (stored: StreamSchedules) => (input.schedules === undefined ? undefined : patchSchedules(merging ? stored : {}, input.schedules));
  const parts = validateAgainstConnector(connector, { ...input, config: configFrom(existing.config), schedules: input.schedules });
  // The credentials being replaced, as the write finds them (a rotation may have landed since the read).
  let previous: unknown;
  // Those a move to another host dropped (null: they could not be opened), where approval is required.
  let cleared: unknown;
  // The row as the write found it, to tell what the write changed.
  let before: IntegrationConfigRow = existing;
  const row = await writeWithSchedules(hub, connector, existing, async (trx, current) => {
    before = current;
    previous = parts.credentials === undefined ? undefined : credentialsBeingReplaced(hub, current);
    // Where rotations need a second admin, new credentials go through the rotation flow only.
    if (parts.credentials !== undefined) await refuseUnapprovedReplacement({ db: trx }, principal.tenantId, existing.id);
    let config = parts.config;
    let schedules = schedulesFrom(existing.schedules);
    if (merging) {
      // Merged into the row as the write locked it: a patch saved since the read above counts.
      if (input.config !== undefined) config = validateAgainstConnector(connector, { config: configFrom(current.config) }).config;
      schedules = schedulesFrom(current.schedules);
    }
    if (parts.credentials === undefined) cleared = await credentialsClearedByMove(hub, trx, connector, current, config);
    let update = trx
      .updateTable('integration_configs')
      .set({
        ...(input.name === undefined ? {} : { name: input.name }),
        ...(input.environment === undefined ? {} : { environment: input.environment }),
        ...(config === undefined ? {} : { config: JSON.stringify(config) }),
        ...(schedules === undefined ? {} : { schedules: JSON.stringify(schedules) }),
        ...(input.enabled === undefined ? {} : { enabled: input.enabled }),
        ...(input.credentialsExpiresAt === undefined ? {} : expiryColumns(input.credentialsExpiresAt)),
        ...(cleared === undefined ? {} : CLEARED_CREDENTIALS),
        ...(parts.credentials === undefined
          ? {}
          : {
              ...sealCredentials(hub, existing.tenant_id, existing.id, parts.credentials),
              // Deliveries the sender still signs with the old secret verify until it has the new one.
              ...keepPreviousCredentials(hub, current, connector, previous, parts.credentials),
              oauth_token_ciphertext: null,
              oauth_token_key_version: null,
              credentials_expiry_step: null,
              // New credentials do not inherit the old ones' expiry date (as a rotation): a passed
              // one would fail every run of the new secret with auth_expired.
              ...(input.credentialsExpiresAt === undefined ? { credentials_expires_at: null } : {}),
            }),
        updated_at: hub.clock(),
      })
      .where('tenant_id', '=', principal.tenantId)
      .where('id', '=', id);
    if (expected !== undefined) update = update.where(atVersion(expected));
    const updated = await update
      .returningAll()
      .executeTakeFirst()
      .catch((error: unknown) => {
        if (isUniqueViolation(error)) throw new ConflictError(`another integration already has that name in that environment`);
        throw error;
      });
    if (updated) {
      // Pending rotations were checked against the credentials and the host this write leaves
      // behind: a move supersedes them even where no credentials were stored to clear, or approving
      // one would send a secret checked against one host to another.
      if (parts.credentials !== undefined || cleared !== undefined || upstreamMove(connector, current.config, config) !== undefined) await supersedePendingRotations(hub, trx, updated, principal.label);
      return updated;
    }
    // Deleted since it was read: the same 404 as if it had gone before.
    if (expected === undefined || !(await findIntegration(trx, principal.tenantId, id))) throw new NotFoundError('integration');
    throw new IntegrationChangedError();
  });
  integrationChanged(hub, row.id);
  const changed = changedFields(before, row);
  await audit(hub.db, principal, 'integration.updated', row, requestId, { changed, credentialsReplaced: parts.credentials !== undefined, ...(cleared === undefined ? {} : { credentialsCleared: true }) });
  if (cleared !== undefined) {
    await recordCredentialAudit(hub, {
      tenantId: row.tenant_id, integrationId: row.id, action: 'cleared', actor: principal.label,
      reason: 'the integration was pointed at another host; its credentials come by a rotation',
      oldFingerprint: cleared === null ? null : await secretFingerprint(hub, row.tenant_id, cleared, hub.db),
    });
  }
  if (parts.credentials !== undefined) {
    // Replaced without the rotation flow's check: still one audit row with both fingerprints.
    await recordCredentialAudit(hub, {
      tenantId: row.tenant_id, integrationId: row.id, action: 'replaced', actor: principal.label,
      oldFingerprint: previous === undefined ? null : await secretFingerprint(hub, row.tenant_id, previous, hub.db),
      newFingerprint: await secretFingerprint(hub, row.tenant_id, parts.credentials, hub.db), expiresAt: row.credentials_expires_at,
    });
    await resolveCredentialTasks(hub, row.id);
  } else if (input.credentialsExpiresAt !== undefined) {
    const was = existing.credentials_expires_at;
    if ((was?.getTime() ?? null) !== (row.credentials_expires_at?.getTime() ?? null)) {
      // Pushing the date out silences the reminders and auth_expired: who did it, and from what, is evidence.
      await recordCredentialAudit(hub, {
        tenantId: row.tenant_id, integrationId: row.id, action: 'expiry_changed', actor: principal.label,
        reason: `expiry was ${was ? was.toISOString() : 'none'}`, expiresAt: row.credentials_expires_at,
      });
    }
    await expiryChanged(hub, row.id, { expiresAt: existing.credentials_expires_at, step: existing.credentials_expiry_step }, row.credentials_expires_at);
  }
  // Last: the change and its audit are done whatever the queue does (it may be away).
  if (input.enabled === true && !existing.enabled) await releaseHeldRuns(hub, row.id);
  return row;
}

/**
 * Deletes the integration and, by cascade, what is its own (runs, events, routes). One transaction
 * locks its row, resolves its tasks, deletes it and audits that: of concurrent deletes one does it
 * and the others answer 404, and a delete that fails leaves all as it was. The cascade can deadlock
 * with a worker claiming one of the integration's runs; when PostgreSQL fails the delete to break
 * it, the delete runs again. What lives outside the database follows the commit.
 */
export async function deleteIntegration(hub: HubContext, principal: Principal, id: string, requestId: string): Promise<void> {
  const { row, alertRuns } = await retryingDeadlocks(() =>
    hub.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('integration_configs').selectAll().where('tenant_id', '=', principal.tenantId).where('id', '=', id).forUpdate().executeTakeFirst();
      if (!row) throw new NotFoundError('integration');
      // Resolved with the deletion: once it is gone nothing could resolve them, and should the
      // delete roll back they stay open with it.
      const { alertRuns } = await resolveIntegrationTasksIn(trx, row.id, { actor: principal.label, why: 'the integration was deleted', now: hub.clock() });
      await trx.deleteFrom('integration_configs').where('id', '=', row.id).execute();
      await audit(trx, principal, 'integration.deleted', row, requestId);
      return { row, alertRuns };
    }),
  );
  await afterDeletion(hub, row, alertRuns);
}

/**
 * The deletion is committed: answering an error now would only invite a retry that gets a 404. A
 * schedule left behind removes itself when it fires and finds no integration (run.worker.ts).
 */
async function afterDeletion(hub: HubContext, row: IntegrationConfigRow, alertRuns: string[]): Promise<void> {
  integrationChanged(hub, row.id);
  const connector = hub.connectors.get(row.connector);
  try {
    if (connector) await removeSchedules(hub, connector, row.id);
  } catch (error) {
    hub.logger.warn({ err: error, integrationId: row.id }, 'could not remove the schedules of a deleted integration');
  }
  // Stored with the deletion: with the queue away, the reconciler queues them.
  await dispatchRuns(hub, alertRuns);
}

export async function setPaused(hub: HubContext, principal: Principal, id: string, paused: boolean, requestId: string): Promise<IntegrationConfigRow> {
  const existing = await requireIntegration(hub, principal.tenantId, id);
  const write = (db: Kysely<Database>) => db
    .updateTable('integration_configs')
    // Pausing again keeps the pause's start: work requested during the pause (a manual sync, which
    // still runs) was queued after it and must stay so (run.hold.ts compares the two). Stamped by
    // the database's clock, which stamps when runs were queued: an API process whose clock is ahead
    // would otherwise hold a "Run now" asked for during the pause until the resume.
    .set({ paused_at: paused ? sql<Date>`coalesce(paused_at, now())` : null, updated_at: hub.clock() })
    .where('tenant_id', '=', principal.tenantId)
    .where('id', '=', id)
    .returningAll()
    // Deleted since it was read: the same 404 as if it had gone before.
    .executeTakeFirstOrThrow(() => new NotFoundError('integration'));
  const connector = hub.connectors.get(existing.connector);
  const row = connector ? await writeWithSchedules(hub, connector, existing, write) : await write(hub.db);
  await audit(hub.db, principal, paused ? 'integration.paused' : 'integration.resumed', row, requestId);
  // Work held while it was paused goes now rather than a reconcile lease later.
  if (!paused) await releaseHeldRuns(hub, row.id);
  return row;
}
