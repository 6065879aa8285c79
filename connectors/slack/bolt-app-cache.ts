import { createBoundedCache } from '../sdk/bounded-cache.ts';

// The integrations' Bolt Apps, one per integration, built for the credentials and config they were
// given. A rotation or a config change replaces the integration's App instead of adding one (each
// holds a WebClient and its listeners), and the least recently used go past `limit`, so Apps of
// integrations deleted since are dropped in the end. A replaced App is only forgotten: a request
// already running on it finishes with the credentials it started with.

/** What an App is built from: another value of any of these needs another App. */
export interface BoltAppIdentity {
  botToken: string;
  slashCommand: string;
  slackApiUrl: string;
}

export interface BoltAppCache<T> {
  /** The integration's App for exactly this identity, built (and made the integration's) if it is not. */
  get(integrationId: string, identity: BoltAppIdentity, build: () => T): T;
  /** How many Apps are held. */
  readonly size: number;
}

function sameIdentity(a: BoltAppIdentity, b: BoltAppIdentity): boolean {
  return a.botToken === b.botToken && a.slashCommand === b.slashCommand && a.slackApiUrl === b.slackApiUrl;
}

export function createBoltAppCache<T>(limit: number): BoltAppCache<T> {
  const entries = createBoundedCache<string, { identity: BoltAppIdentity; app: T }>({ limit });
  return {
    get(integrationId, identity, build) {
      const held = entries.get(integrationId);
      // The whole token is compared, not a part of it: a new token that happened to share the part
      // would otherwise be served by the App holding the old one.
      const entry = held && sameIdentity(held.identity, identity) ? held : { identity: { ...identity }, app: build() };
      entries.set(integrationId, entry);
      return entry.app;
    },
    get size() {
      return entries.size;
    },
  };
}
