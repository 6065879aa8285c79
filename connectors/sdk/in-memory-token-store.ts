import type { OAuthToken, TokenStore } from './credentials.ts';

/** A TokenStore for one process (tests, and clients created without a persistent store). */
export function createInMemoryTokenStore(initial?: OAuthToken): TokenStore {
  let token = initial;
  return {
    async load() {
      return token;
    },
    async save(next) {
      token = next;
    },
  };
}
