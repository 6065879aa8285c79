import { purgeSignInRecords } from '../../admin-ui/auth/sign-in.service.ts';
import { rollUpHealth } from '../health/health-rollup.ts';
import type { Job, Schedule } from '../queue/queue.types.ts';
import { removeOldHistory } from '../retention/history-retention.ts';
import { reconcile } from '../runs/reconciler.ts';
import { forgetExpiredPreviousCredentials } from '../integrations/previous-credentials.ts';
import { remindExpiringCredentials } from '../vault/credential-expiry.ts';
import { sendDueDigests } from '../tasks/digest.service.ts';
import { escalateDueAlerts } from '../tasks/task-alerts.service.ts';
import type { HubContext } from './hub-context.ts';
import type { JobRegistration } from './job-handlers.ts';

export const MAINTENANCE_QUEUE = 'maintenance';

/** The maintenance schedules, upserted by id: many workers still make one of each. */
function maintenanceSchedules(hub: HubContext): Schedule<object>[] {
  return [
    { id: 'reconcile', name: 'reconcile', every: hub.config.HUB_RECONCILE_INTERVAL_SECONDS * 1000, data: {} },
    { id: 'health-rollup', name: 'health-rollup', every: 5 * 60 * 1000, data: {} },
    { id: 'credential-expiry', name: 'credential-expiry', cron: '0 7 * * *', data: {} },
    { id: 'task-alerts', name: 'task-alerts', every: 60 * 1000, data: {} },
    { id: 'previous-credentials', name: 'previous-credentials', every: 5 * 60 * 1000, data: {} },
    { id: 'sign-in-records', name: 'sign-in-records', every: 60 * 60 * 1000, data: {} },
    { id: 'history-retention', name: 'history-retention', every: 10 * 60 * 1000, data: {} },
  ];
}

/** Whether the queue still holds every maintenance schedule (a flushed Redis holds none). */
export async function maintenanceScheduled(hub: HubContext): Promise<boolean> {
  const present = new Set((await hub.queue.listSchedules(MAINTENANCE_QUEUE)).map((schedule) => schedule.id));
  return maintenanceSchedules(hub).every((schedule) => present.has(schedule.id));
}

export async function scheduleMaintenance(hub: HubContext): Promise<void> {
  for (const schedule of maintenanceSchedules(hub)) await hub.queue.upsertSchedule(MAINTENANCE_QUEUE, schedule);
  // Also once when workers start, so a hub that was down at 07:00 still sends today's reminders;
  // the hourly job id keeps a fleet of starting workers to one sweep.
  const hour = Math.floor(hub.clock().getTime() / 3_600_000);
  await hub.queue.add(MAINTENANCE_QUEUE, 'credential-expiry', {}, { jobId: `credential-expiry-start-${hour}` });
}

export function maintenanceJobRegistrations(hub: HubContext): JobRegistration[] {
  return [
    {
      queue: MAINTENANCE_QUEUE,
      concurrency: 1,
      handler: async (job: Job) => {
        if (job.name === 'reconcile') await reconcile(hub);
        else if (job.name === 'health-rollup') await rollUpHealth(hub);
        else if (job.name === 'credential-expiry') await remindExpiringCredentials(hub);
        else if (job.name === 'previous-credentials') await forgetExpiredPreviousCredentials(hub);
        else if (job.name === 'sign-in-records') await purgeSignInRecords(hub.db, hub.clock());
        else if (job.name === 'history-retention') await removeOldHistory(hub);
        else if (job.name === 'task-alerts') {
          await escalateDueAlerts(hub);
          await sendDueDigests(hub);
        }
      },
    },
  ];
}
