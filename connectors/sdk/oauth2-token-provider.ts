import type { OAuth2Auth, OAuthToken, TokenStore } from './credentials.ts';
import { ConnectorError } from './failure.ts';
import type { OAuth2Endpoint } from './http-client.options.ts';
import { createInMemoryTokenStore } from './in-memory-token-store.ts';
import { requestToken, type GrantRequest } from './oauth2-grant.ts';
import type { HostResolver } from './upstream-address-guard.ts';
import { defaultUpstreamAddressPolicy, type UpstreamAddressPolicy } from './upstream-address-policy.ts';

// Hands out OAuth access tokens: cached in the token store, renewed a minute before expiry or
// after the upstream refused one, with one token request in flight per provider however many
// requests need a token at that moment (a burst must not spend, or race, a rotating refresh
// token). Across processes the store is the meeting point: a token another process saved is
// used instead of requesting a new one.

/** Renew this long before expiry so a token never expires in the middle of a request. */
const REFRESH_WINDOW_MS = 60_000;

export interface OAuth2TokenProviderOptions {
  auth: OAuth2Auth;
  endpoint: OAuth2Endpoint;
  /** Where tokens persist between runs; in memory when absent. */
  store?: TokenStore | undefined;
  clock?: (() => Date) | undefined;
  /** Per token request; default 30 s. */
  timeoutMs?: number | undefined;
  /** The addresses the token endpoint may be at; defaultUpstreamAddressPolicy() when absent. */
  upstreamAddresses?: UpstreamAddressPolicy | undefined;
  resolveHost?: HostResolver | undefined;
}

export interface OAuth2TokenProvider {
  /** A token valid for at least another minute. */
  accessToken(): Promise<string>;
  /** A token other than `rejected`, which the upstream just refused (401). */
  renew(rejected: string): Promise<string>;
}

/** The token endpoint answered no (400/401) rather than failing to answer. */
function refusedByTokenEndpoint(error: unknown): boolean {
  return error instanceof ConnectorError && (error.status === 400 || error.status === 401);
}

export function createOAuth2TokenProvider(options: OAuth2TokenProviderOptions): OAuth2TokenProvider {
  const { auth, endpoint } = options;
  const store = options.store ?? createInMemoryTokenStore();
  const clock = options.clock ?? (() => new Date());
  const timeoutMs = options.timeoutMs ?? 30_000;
  const addresses = options.upstreamAddresses ?? defaultUpstreamAddressPolicy();
  let current: OAuthToken | undefined;
  let refused: string | undefined;
  let inflight: Promise<OAuthToken> | undefined;

  function usable(token: OAuthToken | undefined): token is OAuthToken {
    if (token === undefined || token.accessToken === refused) return false;
    return token.expiresAt.getTime() - clock().getTime() > REFRESH_WINDOW_MS;
  }

  async function obtain(stored: OAuthToken | undefined): Promise<OAuthToken> {
    const request: GrantRequest = { auth, endpoint, now: clock, timeoutMs, addresses, resolve: options.resolveHost };
    switch (auth.grant) {
      case 'client_credentials':
        return requestToken(request);
      case 'password':
        return renewWithPasswordGrant(request, stored);
      case 'refresh_token':
        return renewWithRefreshToken(request, stored);
    }
  }

  /**
   * The password grant also hands out a refresh token: spending it renews the access token without
   * sending the user's password again. Once the endpoint refuses it (it expired or was revoked),
   * the password grant starts a new chain; a failure to answer at all is not a refusal, and is
   * what the caller gets.
   */
  async function renewWithPasswordGrant(request: GrantRequest, stored: OAuthToken | undefined): Promise<OAuthToken> {
    const refreshToken = stored?.refreshToken;
    const refreshUsable = stored?.refreshExpiresAt === undefined || stored.refreshExpiresAt.getTime() > clock().getTime();
    if (refreshToken !== undefined && refreshUsable) {
      try {
        return await requestToken({ ...request, auth: { ...auth, grant: 'refresh_token' }, refreshToken });
      } catch (error) {
        if (!refusedByTokenEndpoint(error)) throw error;
      }
    }
    return requestToken(request);
  }

  async function renewWithRefreshToken(request: GrantRequest, stored: OAuthToken | undefined): Promise<OAuthToken> {
    // The stored (latest, possibly rotated) refresh token first; the configured one as a fallback
    // for when the credential was replaced but the store still holds the old chain.
    const candidates = [...new Set([stored?.refreshToken, auth.refreshToken])].filter((t) => t !== undefined);
    if (candidates.length === 0) {
      throw new ConnectorError('config_invalid', 'the oauth2 refresh_token grant needs a refresh token');
    }
    for (const [index, refreshToken] of candidates.entries()) {
      try {
        return await requestToken({ ...request, refreshToken });
      } catch (error) {
        const last = index === candidates.length - 1;
        if (last || !(error instanceof ConnectorError && error.code === 'auth_expired')) throw error;
      }
    }
    throw new ConnectorError('auth_expired', 'no refresh token was accepted');
  }

  function singleFlight(): Promise<OAuthToken> {
    const refresh = async (): Promise<OAuthToken> => {
      // Re-read inside the exclusive section: whoever held it before may have refreshed already.
      const stored = await store.load();
      if (usable(stored)) return (current = stored);
      const next = await obtain(stored);
      // Access and (possibly rotated) refresh token in one save: a crash between two saves
      // would leave a refresh token that the endpoint has already invalidated.
      await store.save(next);
      return (current = next);
    };
    inflight ??= (async () => {
      try {
        return await (store.exclusive ? store.exclusive(refresh) : refresh());
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  }

  return {
    async accessToken() {
      if (usable(current)) return current.accessToken;
      return (await singleFlight()).accessToken;
    },
    async renew(rejected) {
      refused = rejected;
      if (usable(current)) return current.accessToken;
      let token = await singleFlight();
      // We joined a flight that had already accepted the refused token: one more, of our own.
      if (token.accessToken === rejected) token = await singleFlight();
      return token.accessToken;
    },
  };
}
