import type { LookupFunction } from 'node:net';
import { ClientCredentials, ResourceOwnerPassword, type ModuleOptions, type Token } from 'simple-oauth2';
import type { OAuth2Auth, OAuthToken } from './credentials.ts';
import { ConnectorError } from './failure.ts';
import type { OAuth2Endpoint } from './http-client.options.ts';
import { classifyTokenError } from './oauth2-token-error.ts';
import { guardedLookup, refuseLiteralAddress, type HostResolver } from './upstream-address-guard.ts';
import type { UpstreamAddressPolicy } from './upstream-address-policy.ts';

// One request to the token endpoint through simple-oauth2, turned into the stored token shape.
// Caching, single-flight and persistence live in oauth2-token-provider.ts.

/** Used when a token response has no expires_in; a 401 then renews it early anyway. */
const DEFAULT_LIFETIME_MS = 3_600_000;

/** A token answer, or a refusal, is a few hundred bytes; past this the answer is not read on. */
export const MAX_TOKEN_ANSWER_BYTES = 1024 * 1024;

export interface GrantRequest {
  auth: OAuth2Auth;
  endpoint: OAuth2Endpoint;
  /** For the refresh_token grant: the refresh token to spend. */
  refreshToken?: string | undefined;
  now: () => Date;
  timeoutMs: number;
  /** The addresses the token endpoint may be at. */
  addresses: UpstreamAddressPolicy;
  resolve?: HostResolver | undefined;
}

export async function requestToken(request: GrantRequest): Promise<OAuthToken> {
  const { auth, endpoint } = request;
  const config = moduleOptions(request);
  const scope = auth.scope === undefined ? {} : { scope: auth.scope };
  try {
    // Node connects to an IP literal without a lookup, so the guarded lookup never sees it.
    refuseLiteralAddress(endpoint.tokenUrl, request.addresses);
    switch (auth.grant) {
      case 'client_credentials': {
        const client = build(() => new ClientCredentials(config));
        return toOAuthToken((await client.getToken(scope)).token, undefined, request);
      }
      case 'password': {
        if (auth.username === undefined || auth.password === undefined) {
          throw new ConnectorError('config_invalid', 'the oauth2 password grant needs a username and a password');
        }
        const client = build(() => new ResourceOwnerPassword(config));
        const params = { username: auth.username, password: auth.password, ...scope };
        return toOAuthToken((await client.getToken(params)).token, undefined, request);
      }
      case 'refresh_token': {
        const refreshToken = request.refreshToken;
        if (refreshToken === undefined) {
          throw new ConnectorError('config_invalid', 'the oauth2 refresh_token grant needs a refresh token');
        }
        const client = build(() => new ClientCredentials(config));
        // The access token is irrelevant to a refresh; simple-oauth2 only needs the refresh token.
        const refreshed = await client.createToken({ refresh_token: refreshToken }).refresh(scope);
        // Without rotation the endpoint omits refresh_token, and simple-oauth2 5.1 then drops it
        // (it copies `this.refresh_token`, which does not exist): keep the one we spent.
        return toOAuthToken(refreshed.token, refreshToken, request);
      }
    }
  } catch (error) {
    const facts = { tokenUrl: endpoint.tokenUrl, grant: auth.grant, now: request.now, secrets: tokenRequestSecrets(request), maxBytes: MAX_TOKEN_ANSWER_BYTES };
    throw classifyTokenError(error, facts);
  }
}

/** What a token request may carry, for an echo of it to be rid of: the refresh token spent may be a rotated one only the store knows. */
function tokenRequestSecrets({ auth, refreshToken }: GrantRequest): string[] {
  return [auth.clientSecret, auth.password, auth.refreshToken, refreshToken].filter((secret): secret is string => secret !== undefined && secret !== '');
}

/** @types/simple-oauth2 leaves out wreck's `lookup`, which simple-oauth2 hands to wreck all the same. */
type TokenHttpOptions = NonNullable<ModuleOptions['http']> & { lookup: LookupFunction };

function moduleOptions({ auth, endpoint, timeoutMs, addresses, resolve }: GrantRequest): ModuleOptions {
  const url = build(() => new URL(endpoint.tokenUrl));
  // Handed to @hapi/wreck. The connection goes to the addresses the policy checked, with no second
  // lookup a rebinding DNS server could answer differently, and the answer is read up to
  // MAX_TOKEN_ANSWER_BYTES. simple-oauth2's `json: 'strict'` stays although it drops the bytes of
  // an answer not labelled JSON (a plain text refusal gives no reason): under `json: true` such a
  // success would reach simple-oauth2 as bytes, which it copies into a token one key per byte.
  const http: TokenHttpOptions = { timeout: timeoutMs, lookup: guardedLookup(addresses, resolve), maxBytes: MAX_TOKEN_ANSWER_BYTES };
  return {
    client: { id: auth.clientId, secret: auth.clientSecret },
    // simple-oauth2 resolves tokenPath against tokenHost with WHATWG URL rules.
    auth: { tokenHost: url.origin, tokenPath: `${url.pathname}${url.search}` },
    options: { authorizationMethod: endpoint.authorizationMethod, bodyFormat: endpoint.bodyFormat ?? 'form' },
    http,
  };
}

/** Construction failures quote the offending values (Joi does), so their messages are dropped. */
function build<T>(make: () => T): T {
  try {
    return make();
  } catch {
    throw new ConnectorError('config_invalid', 'the oauth2 token URL or client id/secret is malformed');
  }
}

function toOAuthToken(raw: Token, spentRefreshToken: string | undefined, request: GrantRequest): OAuthToken {
  const accessToken = raw['access_token'];
  if (typeof accessToken !== 'string' || accessToken === '') {
    const path = new URL(request.endpoint.tokenUrl).pathname;
    throw new ConnectorError('upstream_bad_response', `POST ${path} answered without an access_token`);
  }
  const issued = raw['refresh_token'];
  const refreshToken = typeof issued === 'string' && issued !== '' ? issued : spentRefreshToken;
  const expiresIn = Number(raw['expires_in']);
  const lifetimeMs = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : DEFAULT_LIFETIME_MS;
  // Some providers say how long the refresh token lives; past that a person must re-authorise.
  const refreshExpiresIn = Number(raw['refresh_token_expires_in']);
  return {
    accessToken,
    ...(refreshToken === undefined ? {} : { refreshToken }),
    expiresAt: new Date(request.now().getTime() + lifetimeMs),
    ...(Number.isFinite(refreshExpiresIn) && refreshExpiresIn > 0 ? { refreshExpiresAt: new Date(request.now().getTime() + refreshExpiresIn * 1000) } : {}),
  };
}
