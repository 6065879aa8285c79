import type { UpstreamAuth } from './credentials.ts';
import { ConnectorError } from './failure.ts';
import type { HttpClientOptions } from './http-client.options.ts';
import { createOAuth2TokenProvider } from './oauth2-token-provider.ts';

// Turns the integration's stored credential into request headers. Static credentials give the
// same headers every time; OAuth2 asks the token provider and can renew after a 401.

export interface ApiKeyOptions {
  /**
   * Header that carries an api_key credential as is (e.g. "x-api-key"); without it the key is
   * sent as `Authorization: Bearer <key>`.
   */
  apiKeyHeader?: string | undefined;
}

export interface Authorizer {
  headers(): Promise<Record<string, string>>;
  /**
   * After the upstream answered 401 to `sent`: fresh headers worth one more try, or undefined
   * when nothing would change (static credentials).
   */
  renew(sent: Record<string, string>): Promise<Record<string, string> | undefined>;
}

type AuthorizerOptions = Pick<HttpClientOptions, 'auth' | 'oauth2' | 'tokenStore' | 'clock' | 'upstreamAddresses' | 'resolveHost'> & ApiKeyOptions;

export function createAuthorizer(options: AuthorizerOptions): Authorizer {
  const auth = options.auth;
  if (auth === undefined) return staticAuthorizer({});
  if (auth.type !== 'oauth2') return staticAuthorizer(staticHeaders(auth, options.apiKeyHeader));
  if (options.oauth2 === undefined) {
    // Fail the requests, not the client's construction, so the run records the failure code.
    const missing = new ConnectorError('config_invalid', 'oauth2 credentials need the connector oauth2 token endpoint settings');
    return { headers: () => Promise.reject(missing), renew: () => Promise.reject(missing) };
  }
  const tokens = createOAuth2TokenProvider({
    auth,
    endpoint: options.oauth2,
    store: options.tokenStore,
    clock: options.clock,
    upstreamAddresses: options.upstreamAddresses,
    resolveHost: options.resolveHost,
  });
  const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
  return {
    async headers() {
      return bearer(await tokens.accessToken());
    },
    async renew(sent) {
      const token = sent['authorization']?.replace(/^Bearer /, '');
      if (token === undefined) return bearer(await tokens.accessToken());
      return bearer(await tokens.renew(token));
    },
  };
}

function staticAuthorizer(headers: Record<string, string>): Authorizer {
  return {
    async headers() {
      return headers;
    },
    async renew() {
      return undefined;
    },
  };
}

function staticHeaders(auth: Exclude<UpstreamAuth, { type: 'oauth2' }>, apiKeyHeader: string | undefined): Record<string, string> {
  switch (auth.type) {
    case 'basic':
      return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}` };
    case 'bearer':
      return { authorization: `Bearer ${auth.token}` };
    case 'api_key':
      return apiKeyHeader === undefined ? { authorization: `Bearer ${auth.key}` } : { [apiKeyHeader.toLowerCase()]: auth.key };
  }
}
