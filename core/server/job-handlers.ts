import type { JobHandler } from '../queue/queue.types.ts';
import type { HubContext } from './hub-context.ts';

/** A queue this process consumes when its role includes `worker`. */
export interface JobRegistration {
  queue: string;
  concurrency: number;
  handler: JobHandler;
}

export function startWorkers(hub: HubContext, registrations: readonly JobRegistration[]): void {
  for (const registration of registrations) {
    hub.queue.process(registration.queue, registration.handler, { concurrency: registration.concurrency });
  }
}
