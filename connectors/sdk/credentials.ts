import { z } from 'zod';

// Upstream authentication as stored (encrypted) per integration. A connector's credentials
// schema puts one of these under `auth`; the SDK's HTTP client applies it to every request.

export const BasicAuth = z.object({
  type: z.literal('basic'),
  username: z.string().min(1),
  password: z.string().min(1),
});
export type BasicAuth = z.infer<typeof BasicAuth>;

export const BearerAuth = z.object({ type: z.literal('bearer'), token: z.string().min(1) });
export type BearerAuth = z.infer<typeof BearerAuth>;

export const ApiKeyAuth = z.object({ type: z.literal('api_key'), key: z.string().min(1) });
export type ApiKeyAuth = z.infer<typeof ApiKeyAuth>;

export const OAuth2Auth = z.object({
  type: z.literal('oauth2'),
  grant: z.enum(['client_credentials', 'password', 'refresh_token']),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  refreshToken: z.string().min(1).optional(),
  scope: z.string().min(1).optional(),
});
export type OAuth2Auth = z.infer<typeof OAuth2Auth>;

export const UpstreamAuth = z.discriminatedUnion('type', [BasicAuth, BearerAuth, ApiKeyAuth, OAuth2Auth]);
export type UpstreamAuth = z.infer<typeof UpstreamAuth>;

/** A stored OAuth access token with its expiry, kept by the runtime between runs. */
export interface OAuthToken {
  accessToken: string;
  refreshToken?: string;
  expiresAt: Date;
  /** When the refresh token itself expires, if the provider says (refresh_token_expires_in). */
  refreshExpiresAt?: Date;
}

/** Where the runtime keeps OAuth tokens between runs and processes. */
export interface TokenStore {
  load(): Promise<OAuthToken | undefined>;
  save(token: OAuthToken): Promise<void>;
  /**
   * Runs `work` (load, maybe refresh, save) while no other holder of this store — in any process —
   * runs its own, so one expired token causes one refresh however many callers need it.
   */
  exclusive?<T>(work: () => Promise<T>): Promise<T>;
}
