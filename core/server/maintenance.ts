import { rollUpHealth } from '../health/health-rollup.ts';
import type { Job } from '../queue/queue.types.ts';
import { reconcile } from '../runs/reconciler.ts';
import type { HubContext } from './hub-context.ts';
import type { JobRegistration } from './job-handlers.ts';

export const MAINTENANCE_QUEUE = 'maintenance';

/** Schedules shared by every worker: upserted by id, so many workers still make one of each. */
export async function scheduleMaintenance(hub: HubContext): Promise<void> {
  await hub.queue.upsertSchedule(MAINTENANCE_QUEUE, {
    id: 'reconcile',
    name: 'reconcile',
    every: hub.config.HUB_RECONCILE_INTERVAL_SECONDS * 1000,
    data: {},
  });
  await hub.queue.upsertSchedule(MAINTENANCE_QUEUE, { id: 'health-rollup', name: 'health-rollup', every: 5 * 60 * 1000, data: {} });
}

export function maintenanceJobRegistrations(hub: HubContext): JobRegistration[] {
  return [
    {
      queue: MAINTENANCE_QUEUE,
      concurrency: 1,
      handler: async (job: Job) => {
        if (job.name === 'reconcile') await reconcile(hub);
        else if (job.name === 'health-rollup') await rollUpHealth(hub);
      },
    },
  ];
}
