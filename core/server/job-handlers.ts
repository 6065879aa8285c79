import type { JobHandler } from '../queue/queue.types.ts';
import type { HubContext } from './hub-context.ts';

/** A queue this process consumes when its role includes `worker`. Modules add theirs here. */
export interface JobRegistration {
  queue: string;
  concurrency: number;
  handler: (hub: HubContext) => JobHandler;
}

export const jobRegistrations: JobRegistration[] = [];

export function startWorkers(hub: HubContext, registrations: readonly JobRegistration[] = jobRegistrations): void {
  for (const registration of registrations) {
    hub.queue.process(registration.queue, registration.handler(hub), { concurrency: registration.concurrency });
  }
}
