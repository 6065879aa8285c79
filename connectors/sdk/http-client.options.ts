import type { ConnectorLogger } from './connector.types.ts';
import type { TokenStore, UpstreamAuth } from './credentials.ts';
import type { HostResolver } from './upstream-address-guard.ts';
import type { UpstreamAddressPolicy } from './upstream-address-policy.ts';
import type { ErrorReasonReader } from './upstream-reason.ts';

export interface RetryPolicy {
  /** Total attempts including the first. */
  attempts: number;
  minDelayMs: number;
  maxDelayMs: number;
  /**
   * A Retry-After longer than this is not waited out inside the run: the request fails with
   * `rate_limited` and its retryAfterMs, and the runtime reschedules the run instead.
   */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 4, minDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 60_000 };

export interface OAuth2Endpoint {
  tokenUrl: string;
  authorizationMethod: 'header' | 'body';
  bodyFormat?: 'form' | 'json';
}

export interface HttpClientOptions {
  baseUrl: string;
  /** Applied to every request unless the request says `authenticate: false`. */
  auth?: UpstreamAuth;
  /** Required when `auth.type` is oauth2. */
  oauth2?: OAuth2Endpoint;
  /** Where OAuth tokens are kept between runs; in memory when absent. */
  tokenStore?: TokenStore;
  /** The breaker of this integration (see breaker-registry.ts). */
  breakerKey: string;
  retry?: Partial<RetryPolicy>;
  logger: ConnectorLogger;
  signal?: AbortSignal;
  clock?: () => Date;
  /** For jitter; injectable so tests are deterministic. */
  random?: () => number;
  /** Waits between retries; injectable so tests need not sleep. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Turns the upstream's error bodies into the reason a failure names; commonErrorReason when absent. */
  errorReason?: ErrorReasonReader;
  /**
   * The addresses requests (their redirects and the OAuth token request too) may connect to: the
   * hub passes HUB_UPSTREAM_ADDRESSES; defaultUpstreamAddressPolicy() when absent.
   */
  upstreamAddresses?: UpstreamAddressPolicy;
  /** Resolves host names to addresses; the system resolver when absent (tests map names with it). */
  resolveHost?: HostResolver;
}
