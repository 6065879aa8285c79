import type { EventRow } from '../db/database.types.ts';

// A chat interaction (a slash command, a button press) is stored as an event of its integration so
// a replayed request has no second effect, but the hub answers it when it arrives instead of
// routing it. Its dedupe key says which it is.

const INTERACTION_KEY_PREFIX = 'interaction:';

/** The dedupe key of the interaction the connector identified by `key`. */
export function interactionDedupeKey(key: string): string {
  return `${INTERACTION_KEY_PREFIX}${key}`;
}

export function isInteractionEvent(event: Pick<EventRow, 'dedupe_key'>): boolean {
  return event.dedupe_key.startsWith(INTERACTION_KEY_PREFIX);
}
