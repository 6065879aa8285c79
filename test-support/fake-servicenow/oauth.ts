import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { contentType, sendJson } from './http-io.ts';

// POST /oauth_token.do as ServiceNow documents it: form-encoded only, client credentials in the
// body, password / refresh_token / client_credentials grants. Error bodies follow RFC 6749; the
// exact statuses ServiceNow uses for each error are not part of the fact sheet.

export interface FakeOAuthSettings {
  clientId: string;
  clientSecret: string;
  /** username → password for the password grant. */
  users: Record<string, string>;
  /** Default 1800, ServiceNow's default. */
  accessTtlSeconds?: number;
  /** Default 8,640,000 (100 days). */
  refreshTtlSeconds?: number;
  /** Issue a new refresh token on each refresh and revoke the old one (default false). */
  rotateRefreshTokens?: boolean;
  /**
   * The client-credentials grant, off by default as on a real instance, where an admin turns it on
   * with the system property glide.oauth.inbound.client.credential.grant_type.enabled=true.
   */
  clientCredentialsEnabled?: boolean;
  /** The "OAuth Application User" that client-credentials tokens act as. */
  clientCredentialsUser?: string;
}

export interface IssuedToken {
  grantType: 'password' | 'refresh_token' | 'client_credentials';
  clientId: string;
  user: string;
  accessToken: string;
  refreshToken?: string;
  accessExpiresAt: Date;
  refreshExpiresAt?: Date;
  /** Set when a rotating refresh replaced this token's refresh token. */
  refreshRevoked: boolean;
}

function oauthError(response: ServerResponse, status: number, error: string, description: string): void {
  sendJson(response, status, { error, error_description: description });
}

function token(): string {
  return randomBytes(48).toString('base64url');
}

export function handleTokenRequest(request: IncomingMessage, rawBody: Buffer, response: ServerResponse, settings: FakeOAuthSettings | undefined, issued: IssuedToken[], now: Date): void {
  if (!settings) return oauthError(response, 401, 'invalid_client', 'OAuth is not configured on the fake');
  if (contentType(request) !== 'application/x-www-form-urlencoded') {
    return oauthError(response, 400, 'invalid_request', 'the token request body must be application/x-www-form-urlencoded');
  }
  const form = new URLSearchParams(rawBody.toString('utf8'));
  if (form.get('client_id') !== settings.clientId || form.get('client_secret') !== settings.clientSecret) {
    return oauthError(response, 401, 'invalid_client', 'client_id or client_secret is wrong (or not in the body)');
  }
  const grantType = form.get('grant_type');
  let user: string | undefined;
  let withRefresh = true;
  if (grantType === 'password') {
    const username = form.get('username') ?? '';
    if (settings.users[username] === undefined || settings.users[username] !== form.get('password')) {
      return oauthError(response, 400, 'invalid_grant', 'bad username or password');
    }
    user = username;
  } else if (grantType === 'refresh_token') {
    const previous = issued.find((t) => t.refreshToken !== undefined && t.refreshToken === form.get('refresh_token'));
    if (!previous || previous.refreshRevoked || previous.clientId !== settings.clientId || (previous.refreshExpiresAt?.getTime() ?? 0) <= now.getTime()) {
      return oauthError(response, 400, 'invalid_grant', 'refresh token is unknown, revoked or expired');
    }
    user = previous.user;
    if (settings.rotateRefreshTokens) previous.refreshRevoked = true;
    else return issue(response, issued, settings, now, 'refresh_token', user, previous.refreshToken, previous.refreshExpiresAt);
  } else if (grantType === 'client_credentials') {
    if (settings.clientCredentialsEnabled !== true) return oauthError(response, 400, 'unsupported_grant_type', 'client_credentials grant is not enabled');
    user = settings.clientCredentialsUser ?? 'oauth.application.user';
    withRefresh = false;
  } else {
    return oauthError(response, 400, 'unsupported_grant_type', `grant_type ${grantType ?? '(missing)'} is not supported`);
  }
  const refreshExpiresAt = new Date(now.getTime() + (settings.refreshTtlSeconds ?? 8_640_000) * 1000);
  issue(response, issued, settings, now, grantType, user, withRefresh ? token() : undefined, withRefresh ? refreshExpiresAt : undefined);
}

function issue(
  response: ServerResponse,
  issued: IssuedToken[],
  settings: FakeOAuthSettings,
  now: Date,
  grantType: IssuedToken['grantType'],
  user: string,
  refreshToken: string | undefined,
  refreshExpiresAt: Date | undefined,
): void {
  const ttl = settings.accessTtlSeconds ?? 1800;
  const entry: IssuedToken = {
    grantType,
    clientId: settings.clientId,
    user,
    accessToken: token(),
    accessExpiresAt: new Date(now.getTime() + ttl * 1000),
    refreshRevoked: false,
    ...(refreshToken === undefined ? {} : { refreshToken }),
    ...(refreshExpiresAt === undefined ? {} : { refreshExpiresAt }),
  };
  issued.push(entry);
  sendJson(response, 200, {
    access_token: entry.accessToken,
    ...(refreshToken === undefined ? {} : { refresh_token: refreshToken }),
    scope: 'useraccount',
    token_type: 'Bearer',
    expires_in: ttl,
  });
}

/** The user a bearer token acts as, if it is known and not expired. */
export function userForAccessToken(issued: IssuedToken[], accessToken: string, now: Date): string | undefined {
  const entry = issued.find((t) => t.accessToken === accessToken);
  return entry && entry.accessExpiresAt.getTime() > now.getTime() ? entry.user : undefined;
}
