import { sql } from 'kysely';
import type { HubContext } from '../server/hub-context.ts';
import { openOrUpdateTask } from '../tasks/task.service.ts';
import { resolveCredentialTasks } from './credential-tasks.ts';

/** Reminders go out this many days ahead, each once. */
export const EXPIRY_STEPS = [14, 7, 1] as const;
const DAY_MS = 24 * 60 * 60 * 1000;

function stepFor(daysLeft: number): number | undefined {
  return [...EXPIRY_STEPS].reverse().find((step) => daysLeft <= step);
}

/**
 * The columns of a write that sets the credential's expiry. A different date starts the reminder
 * schedule over (the step goes back to null, compared in the same statement against the stored
 * date, so writing the same date again — an OAuth refresh that keeps the refresh token's expiry —
 * changes nothing). Every writer of `credentials_expires_at` goes through here; after the write,
 * call `expiryChanged`.
 */
export function expiryColumns(expiresAt: Date | string | null) {
  return {
    credentials_expires_at: expiresAt,
    credentials_expiry_step: sql<number | null>`case when credentials_expires_at is not distinct from ${expiresAt}::timestamptz then credentials_expiry_step end`,
  };
}

/** What the row said about the expiry before the write. */
export interface ExpiryBefore {
  expiresAt: Date | null;
  step: number | null;
}

/**
 * After a write through `expiryColumns`: an open `credential_expiring` reminder whose horizon the
 * new date lies beyond (or that has no date any more) is resolved; the sweep raises the reminder
 * due for the new date. A date moved nearer keeps the reminder open for the sweep to update.
 */
export async function expiryChanged(hub: HubContext, integrationId: string, before: ExpiryBefore, after: Date | string | null): Promise<void> {
  const next = after === null ? null : new Date(after);
  if ((before.expiresAt?.getTime() ?? null) === (next?.getTime() ?? null)) return;
  const now = hub.clock().getTime();
  // The step the open reminder was raised for; failing that (reset by an earlier change), the step
  // the old date was in.
  const horizon = before.step ?? (before.expiresAt ? stepFor((before.expiresAt.getTime() - now) / DAY_MS) : undefined);
  if (horizon === undefined) return;
  if (next !== null && (next.getTime() - now) / DAY_MS <= horizon) return;
  await resolveCredentialTasks(hub, integrationId, {
    codes: ['credential_expiring'],
    why: next === null ? 'the credentials no longer have an expiry date' : `the credentials now expire on ${next.toISOString().slice(0, 10)}`,
  });
}

/**
 * The daily sweep: each integration whose credentials expire within 14 days gets a
 * `credential_expiring` task at 14, 7 and 1 days ahead — once per step, remembered on the row and
 * forgotten when the credentials are replaced or their expiry date changes (`expiryColumns`). Returns the number of reminders raised.
 */
export async function remindExpiringCredentials(hub: HubContext): Promise<number> {
  const now = hub.clock();
  const horizon = new Date(now.getTime() + EXPIRY_STEPS[0] * DAY_MS);
  const rows = await hub.db
    .selectFrom('integration_configs')
    .selectAll()
    .where('credentials_expires_at', 'is not', null)
    .where('credentials_expires_at', '>', now)
    .where('credentials_expires_at', '<=', horizon)
    .execute();
  let raised = 0;
  for (const row of rows) {
    const expiresAt = row.credentials_expires_at as Date;
    const daysLeft = (expiresAt.getTime() - now.getTime()) / DAY_MS;
    const step = stepFor(daysLeft);
    if (step === undefined || (row.credentials_expiry_step !== null && row.credentials_expiry_step <= step)) continue;
    // Claim the step first so two workers sweeping at once raise one reminder.
    const claimed = await hub.db
      .updateTable('integration_configs')
      .set({ credentials_expiry_step: step })
      .where('id', '=', row.id)
      // The step was computed from this date: if it moved meanwhile (an edit, a rotation, an OAuth
      // refresh), claim nothing and let the next sweep compute the new date's step.
      .where('credentials_expires_at', '=', expiresAt)
      .where((eb) => eb.or([eb('credentials_expiry_step', 'is', null), eb('credentials_expiry_step', '>', step)]))
      .executeTakeFirst();
    if (claimed.numUpdatedRows === 0n) continue;
    const days = Math.max(1, Math.ceil(daysLeft));
    await openOrUpdateTask(hub, {
      tenantId: row.tenant_id,
      integrationId: row.id,
      integrationName: row.name,
      code: 'credential_expiring',
      message: `the credentials expire in ${days} day${days === 1 ? '' : 's'}, on ${expiresAt.toISOString().slice(0, 10)}`,
      // No run can settle a reminder: new credentials do (credential-tasks.ts).
      operation: null,
    });
    raised += 1;
  }
  return raised;
}
