import type { HubContext } from '../server/hub-context.ts';

// Parts of a process keep short-lived copies of integration rows (the webhook ingest keeps each
// one's secrets for a couple of seconds). A change this process commits drops them at once, so the
// answer to the request that made it holds for the next delivery. Only this process hears of it:
// other processes re-read on their own (see webhook.ingest.ts), or ask the database which
// integrations still exist (integrations-in-use.ts, for circuit breakers).

type Listener = (integrationId: string) => void;

const listeners = new WeakMap<HubContext, Set<Listener>>();

export function onIntegrationChanged(hub: HubContext, listener: Listener): void {
  let set = listeners.get(hub);
  if (!set) {
    set = new Set();
    listeners.set(hub, set);
  }
  set.add(listener);
}

/** Call once the change has committed. */
export function integrationChanged(hub: HubContext, integrationId: string): void {
  for (const listener of listeners.get(hub) ?? []) listener(integrationId);
}
