import { ClientCredentials, ResourceOwnerPassword, type ModuleOptions, type Token } from 'simple-oauth2';
import { errorForRefusedAddress } from './classify-error.ts';
import type { OAuth2Auth, OAuthToken } from './credentials.ts';
import { ConnectorError } from './failure.ts';
import type { OAuth2Endpoint } from './http-client.options.ts';
import { classifyTokenError } from './oauth2-token-error.ts';
import { assertHostAllowed, refusalIn, type HostResolver } from './upstream-address-guard.ts';
import type { UpstreamAddressPolicy } from './upstream-address-policy.ts';

// One request to the token endpoint through simple-oauth2, turned into the stored token shape.
// Caching, single-flight and persistence live in oauth2-token-provider.ts.

/** Used when a token response has no expires_in; a 401 then renews it early anyway. */
const DEFAULT_LIFETIME_MS = 3_600_000;

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
  const config = moduleOptions(auth, endpoint);
  await refuseTokenHost(request);
  const http = { timeout: request.timeoutMs };
  const scope = auth.scope === undefined ? {} : { scope: auth.scope };
  try {
    switch (auth.grant) {
      case 'client_credentials': {
        const client = build(() => new ClientCredentials(config));
        return toOAuthToken((await client.getToken(scope, http)).token, undefined, request);
      }
      case 'password': {
        if (auth.username === undefined || auth.password === undefined) {
          throw new ConnectorError('config_invalid', 'the oauth2 password grant needs a username and a password');
        }
        const client = build(() => new ResourceOwnerPassword(config));
        const params = { username: auth.username, password: auth.password, ...scope };
        return toOAuthToken((await client.getToken(params, http)).token, undefined, request);
      }
      case 'refresh_token': {
        const refreshToken = request.refreshToken;
        if (refreshToken === undefined) {
          throw new ConnectorError('config_invalid', 'the oauth2 refresh_token grant needs a refresh token');
        }
        const client = build(() => new ClientCredentials(config));
        // The access token is irrelevant to a refresh; simple-oauth2 only needs the refresh token.
        const refreshed = await client.createToken({ refresh_token: refreshToken }).refresh(scope, http);
        // Without rotation the endpoint omits refresh_token, and simple-oauth2 5.1 then drops it
        // (it copies `this.refresh_token`, which does not exist): keep the one we spent.
        return toOAuthToken(refreshed.token, refreshToken, request);
      }
    }
  } catch (error) {
    throw classifyTokenError(error, { tokenUrl: endpoint.tokenUrl, grant: auth.grant, now: request.now, secrets: tokenRequestSecrets(request) });
  }
}

/**
 * wreck (under simple-oauth2) takes no lookup, so the token endpoint's host is checked just before
 * the request; wreck follows no redirects.
 */
async function refuseTokenHost(request: GrantRequest): Promise<void> {
  const url = new URL(request.endpoint.tokenUrl);
  try {
    await assertHostAllowed(url, request.addresses, request.resolve);
  } catch (error) {
    const refusal = refusalIn(error);
    if (refusal === undefined) throw error;
    throw errorForRefusedAddress({ method: 'POST', url: url.href, host: refusal.host, explanation: refusal.message, redirected: false });
  }
}

/** What a token request may carry, for an echo of it to be rid of: the refresh token spent may be a rotated one only the store knows. */
function tokenRequestSecrets({ auth, refreshToken }: GrantRequest): string[] {
  return [auth.clientSecret, auth.password, auth.refreshToken, refreshToken].filter((secret): secret is string => secret !== undefined && secret !== '');
}

function moduleOptions(auth: OAuth2Auth, endpoint: OAuth2Endpoint): ModuleOptions {
  const url = build(() => new URL(endpoint.tokenUrl));
  return {
    client: { id: auth.clientId, secret: auth.clientSecret },
    // simple-oauth2 resolves tokenPath against tokenHost with WHATWG URL rules.
    auth: { tokenHost: url.origin, tokenPath: `${url.pathname}${url.search}` },
    options: { authorizationMethod: endpoint.authorizationMethod, bodyFormat: endpoint.bodyFormat ?? 'form' },
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
