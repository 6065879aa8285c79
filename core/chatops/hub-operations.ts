import { chatActorLabel } from '../../connectors/sdk/chat-actor-label.ts';
import type { ChatIdentity, HubOperations, TaskSummary } from '../../connectors/sdk/operations.types.ts';
import { OperationRefused } from '../../connectors/sdk/operations.types.ts';
import { TaskAlreadyChanged } from '../../connectors/sdk/task-already-changed.ts';
import type { AuditActor } from '../audit/audit-as.ts';
import { recordAudit } from '../audit/audit.repository.ts';
import { roleAllows, type Role } from '../auth/roles.ts';
import type { TaskRow, UserRow } from '../db/database.types.ts';
import { integrationHealth } from '../health/integration-health.service.ts';
import { ApiError, ConflictError } from '../http/api-error.ts';
import { getRunbook } from '../runbooks/runbook.repository.ts';
import { requestSync } from '../runs/sync.service.ts';
import type { HubContext } from '../server/hub-context.ts';
import { taskNumberOf } from '../tasks/task-key.ts';
import { findTaskByNumber } from '../tasks/task.repository.ts';
import { acknowledgeTask, resolveTask } from '../tasks/task.service.ts';
import { runbookUrl } from '../tasks/task-alert.view.ts';
import { lookUpChatUser, type NoHubUser } from './chat-identity.ts';
import { unresolvedTasksOf } from './unresolved-tasks.ts';

/** What a chat user who is no one in the hub is told: why, and who can change it. */
const NO_HUB_USER: Record<NoHubUser, string> = {
  not_linked: 'Your chat account is not linked to a hub user yet. Ask an admin to link it, or use the email of your hub account in your profile.',
  unlinked_by_admin: 'An admin unlinked your chat account from the hub. Ask an admin to link it again.',
  user_disabled: 'Your hub account is disabled. Ask an admin to enable it, or to link your chat account to another hub user.',
  lookup_failed: 'The hub could not look up your chat account just now, so it cannot tell which hub user you are. Please try again in a moment.',
};

function actorLabel(who: ChatIdentity, user: UserRow): string {
  return chatActorLabel(who, user.email);
}

/** What chat users may do in one tenant, with the same rules and records as the API. */
export function hubOperations(hub: HubContext, tenantId: string): HubOperations {
  async function require(who: ChatIdentity, role: Role): Promise<UserRow> {
    const found = await lookUpChatUser(hub, tenantId, who);
    if ('refused' in found) throw new OperationRefused('forbidden', NO_HUB_USER[found.refused]);
    const { user } = found;
    if (!roleAllows(user.role, role)) throw new OperationRefused('forbidden', `Sorry, this needs the ${role} role in the hub; you are a ${user.role}.`);
    return user;
  }

  function auditActor(who: ChatIdentity, user: UserRow): AuditActor {
    return {
      actorType: 'slack',
      actorId: `${who.teamId}:${who.userId}`,
      detail: { slackUserId: who.userId, slackTeamId: who.teamId, hubUserId: user.id, hubUser: user.email },
    };
  }

  async function audit(who: ChatIdentity, user: UserRow, action: string, targetType: string, targetId: string, detail: Record<string, unknown> = {}) {
    const { detail: actorDetail, ...actor } = auditActor(who, user);
    await recordAudit(hub.db, { tenantId, ...actor, action, targetType, targetId, detail: { ...actorDetail, ...detail } });
  }

  async function task(key: string): Promise<TaskRow> {
    const number = taskNumberOf(key);
    if (number === undefined) throw new OperationRefused('invalid', `"${key}" is not a task key; they look like TASK-42.`);
    const row = await findTaskByNumber(hub.db, tenantId, number);
    if (!row) throw new OperationRefused('not_found', `There is no ${key.toUpperCase()}.`);
    return row;
  }

  function summary(row: TaskRow): TaskSummary {
    return { key: `TASK-${row.number}`, title: row.title, status: row.status, code: row.code, runbookUrl: runbookUrl(hub, row.code) };
  }

  async function change(who: ChatIdentity, key: string, note: string | undefined, act: typeof acknowledgeTask): Promise<TaskSummary> {
    const user = await require(who, 'operator');
    const row = await task(key);
    try {
      // The audit entry is written with the change itself (same transaction).
      return summary(await act(hub, tenantId, row.id, actorLabel(who, user), note, auditActor(who, user)));
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) throw await alreadyDone(row, error.message);
      throw error;
    }
  }

  /**
   * Two people pressing Acknowledge at once: the second learns who was first, not only that it
   * failed. Who is handed over as the task's label, not written into the message: only the chat
   * connector knows how its readers may see a person (a mention, a name; never the email in it).
   */
  async function alreadyDone(before: TaskRow, fallback: string): Promise<OperationRefused> {
    const now = await hub.db.selectFrom('tasks').selectAll().where('tenant_id', '=', tenantId).where('id', '=', before.id).executeTakeFirst();
    const by = now?.status === 'resolved' ? now.resolved_by : now?.status === 'acknowledged' ? now.acknowledged_by : null;
    if (!now || !by || now.status === 'open') return new OperationRefused('conflict', fallback);
    return new TaskAlreadyChanged({ key: `TASK-${now.number}`, status: now.status, actor: by });
  }

  async function integrationByName(name: string) {
    const rows = await hub.db.selectFrom('integration_configs').selectAll().where('tenant_id', '=', tenantId).execute();
    const wanted = name.trim().toLowerCase();
    const found = rows.filter((row) => row.id === wanted || row.name.toLowerCase() === wanted);
    if (found.length === 0) throw new OperationRefused('not_found', `There is no integration called "${name}".`);
    if (found.length > 1) throw new OperationRefused('invalid', `"${name}" names ${found.length} integrations (one per environment); use its id.`);
    return found[0]!;
  }

  return {
    acknowledgeTask: (who, key, note) => change(who, key, note, acknowledgeTask),
    resolveTask: (who, key, note) => change(who, key, note, resolveTask),

    async retryIntegration(who, name) {
      const user = await require(who, 'operator');
      const integration = await integrationByName(name);
      const runs = await requestSync(hub, integration, { mode: 'incremental' }, actorLabel(who, user)).catch((error: unknown) => {
        if (error instanceof ConflictError) throw new OperationRefused('invalid', `${integration.name} has nothing to poll.`);
        throw error;
      });
      await audit(who, user, 'integration.retried', 'integration', integration.id, { runs: runs.length });
      return { integration: integration.name, runs: runs.length };
    },

    async status(who, name) {
      await require(who, 'viewer');
      const rows = name
        ? [await integrationByName(name)]
        : await hub.db.selectFrom('integration_configs').selectAll().where('tenant_id', '=', tenantId).orderBy('name').execute();
      const [health, tasks] = await Promise.all([integrationHealth(hub, rows), unresolvedTasksOf(hub.db, tenantId, rows.map((row) => row.id))]);
      return rows.map((row) => {
        const h = health.get(row.id);
        const unresolvedTasks = tasks.get(row.id) ?? [];
        return {
          name: row.name,
          connector: row.connector,
          environment: row.environment,
          status: h?.status ?? 'unknown',
          lastSuccessAt: h?.lastSuccessAt ?? null,
          // Counted from the same rows as the keys listed, so the reply's count and list agree.
          openTasks: unresolvedTasks.length,
          unresolvedTasks,
        };
      });
    },

    async runbook(who, code) {
      await require(who, 'viewer');
      const runbook = await getRunbook(code.trim().toLowerCase());
      if (!runbook) throw new OperationRefused('not_found', `There is no runbook for "${code}".`);
      // One paragraph: the page's hard line breaks would show as breaks mid-sentence in chat.
      const meaning = /## What it means\s+([\s\S]*?)(\n\n|\n##)/.exec(runbook.body)?.[1]?.trim().replace(/\s*\n\s*/g, ' ') ?? runbook.title;
      return { code: runbook.code, title: runbook.title, severity: runbook.severity, summary: meaning, url: runbookUrl(hub, runbook.code) };
    },
  };
}
