// A Map for a process-wide cache that must not grow for the life of the process: entries may
// expire, an expired one is never served and is dropped when met, and past `limit` the least
// recently used go. Nothing tells a connector that an integration was deleted or a person left, so
// only a bound lets their entries go in the end.

export interface BoundedCacheOptions {
  /** Most entries held. */
  limit: number;
  /** Epoch ms; Date.now unless a test brings its own clock. */
  now?: () => number;
}

export interface BoundedCache<K, V> {
  /** The value held for `key`, unless it has expired (then it is dropped); a hit counts as a use. */
  get(key: K): V | undefined;
  /** Holds `value` as the most recently used, until `expiresAt` (epoch ms) or, without one, until evicted. */
  set(key: K, value: V, expiresAt?: number): void;
  /** How many entries are held, expired ones not yet met included. */
  readonly size: number;
}

export function createBoundedCache<K, V>(options: BoundedCacheOptions): BoundedCache<K, V> {
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order: moving an entry to the end on use keeps the least recently
  // used first.
  const entries = new Map<K, { value: V; expiresAt: number }>();
  const expired = (entry: { expiresAt: number }, at: number) => entry.expiresAt <= at;

  return {
    get(key) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      entries.delete(key);
      if (expired(entry, now())) return undefined;
      entries.set(key, entry);
      return entry.value;
    },
    set(key, value, expiresAt = Infinity) {
      entries.delete(key);
      entries.set(key, { value, expiresAt });
      const at = now();
      // The least recently used that have expired go too, not only those past the limit, so a cache
      // that stays under its limit still lets them go; the sweep stops at the first entry it keeps.
      for (const [oldest, entry] of entries) {
        if (entries.size <= options.limit && !expired(entry, at)) break;
        entries.delete(oldest);
      }
    },
    get size() {
      return entries.size;
    },
  };
}
