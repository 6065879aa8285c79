import type { HubContext } from '../server/hub-context.ts';
import { openOrUpdateTask } from '../tasks/task.service.ts';

/** Reminders go out this many days ahead, each once. */
export const EXPIRY_STEPS = [14, 7, 1] as const;
const DAY_MS = 24 * 60 * 60 * 1000;

function stepFor(daysLeft: number): number | undefined {
  return [...EXPIRY_STEPS].reverse().find((step) => daysLeft <= step);
}

/**
 * The daily sweep: each integration whose credentials expire within 14 days gets a
 * `credential_expiring` task at 14, 7 and 1 days ahead — once per step, remembered on the row and
 * forgotten when the credentials are replaced. Returns the number of reminders raised.
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
