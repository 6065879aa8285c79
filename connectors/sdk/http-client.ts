import pRetry, { AbortError } from 'p-retry';
import { createAuthorizer, type ApiKeyOptions } from './authorize.ts';
import { backoffDelay } from './backoff.ts';
import { defaultBreakers, type BreakerRegistry } from './breaker-registry.ts';
import { describeRequest } from './classify-error.ts';
import type { UpstreamAuth } from './credentials.ts';
import { ConnectorError, markedNotSent } from './failure.ts';
import { DEFAULT_RETRY_POLICY, type HttpClientOptions, type RetryPolicy } from './http-client.options.ts';
import { sendAttempt } from './http-send.ts';
import type { HttpClient, HttpRequest, HttpResponse } from './http.types.ts';
import { assertCredentialsStayOnBase, resolveRequestUrl } from './request-url.ts';
import { sleep } from './sleep.ts';
import { defaultUpstreamAddressPolicy } from './upstream-address-policy.ts';

// The HttpClient connectors get in their context. Per request: authenticate, then attempts
// through the integration's breaker, retried on transient failures with backoff or the
// upstream's Retry-After; an OAuth 401 renews the token and tries once more.

/** Retrying these cannot apply an effect twice (nor can a request with an Idempotency-Key). */
const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
const DEFAULT_TIMEOUT_MS = 30_000;

export type CreateHttpClientOptions = HttpClientOptions & ApiKeyOptions;

export function createHttpClient(options: CreateHttpClientOptions, breakers: BreakerRegistry = defaultBreakers): HttpClient {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const now = options.clock ?? (() => new Date());
  const random = options.random ?? Math.random;
  const wait = options.sleep ?? sleep;
  const addresses = options.upstreamAddresses ?? defaultUpstreamAddressPolicy();
  const authorizer = createAuthorizer({ ...options, upstreamAddresses: addresses });
  const secrets = storedSecrets(options.auth);
  // got drops Authorization on cross-origin redirects but not custom headers such as x-api-key.
  const followRedirect = options.apiKeyHeader === undefined;

  async function perform<T>(request: HttpRequest): Promise<HttpResponse<T>> {
    const method = request.method ?? 'GET';
    const url = resolveRequestUrl(options.baseUrl, request);
    const describe = describeRequest(method, url.href);
    const authenticate = request.authenticate ?? true;
    if (authenticate && options.auth !== undefined) assertCredentialsStayOnBase(url, options.baseUrl);
    const responseType = request.responseType ?? 'json';
    const baseHeaders = {
      'user-agent': 'grc-integration-hub',
      ...(responseType === 'json' ? { accept: 'application/json' } : {}),
      ...lowerCaseKeys(request.headers ?? {}),
    };
    let renewed = false;

    // A long Retry-After becomes rate_limited inside the breaker's call, so the breaker sees the
    // throttle it is and does not count it as the upstream being down.
    const send = (auth: Record<string, string>): Promise<HttpResponse> =>
      breakers.run(options.breakerKey, () =>
        sendAttempt({
          method,
          url,
          headers: { ...baseHeaders, ...auth },
          json: request.json,
          body: request.body,
          timeoutMs: request.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          responseType,
          followRedirect,
          signal: options.signal,
          now,
          errorReason: options.errorReason,
          secrets,
          addresses,
          resolve: options.resolveHost,
        }).catch((error: unknown) => {
          throw giveUpOnLongWaits(error, describe, policy);
        }),
      );

    // Failing to get a token ends the request before it is sent, so its error is marked notSent
    // whatever the token endpoint did (a write may then safely be tried again). That holds for the
    // renewal after a 401 too: the upstream refused the first try, and never saw a second.
    async function authenticatedSend(): Promise<HttpResponse> {
      const auth = authenticate ? await authorizer.headers().catch(rethrowNotSent) : {};
      try {
        return await send(auth);
      } catch (error) {
        if (!authenticate || renewed || !isUnauthorized(error)) throw error;
        renewed = true;
        const fresh = await authorizer.renew(auth).catch(rethrowNotSent);
        if (fresh === undefined) throw error;
        return await send(fresh);
      }
    }

    // The token endpoint's long waits too (the upstream's own are converted in send).
    async function attempt(): Promise<HttpResponse> {
      try {
        return await authenticatedSend();
      } catch (error) {
        throw giveUpOnLongWaits(error, describe, policy);
      }
    }

    const retryable = request.retry ?? (IDEMPOTENT.has(method) || 'idempotency-key' in baseHeaders);
    const response = await pRetry(attempt, {
      retries: retryable ? Math.max(0, policy.attempts - 1) : 0,
      // p-retry would sleep with its own timer and Math.random; waiting happens in shouldRetry
      // instead, with the injected sleep and random.
      minTimeout: 0,
      signal: options.signal,
      shouldRetry: async ({ error, attemptNumber }) => {
        if (!(error instanceof ConnectorError) || !error.transient || error.code === 'circuit_open') return false;
        const delayMs = error.retryAfterMs ?? backoffDelay(attemptNumber, policy, random);
        options.logger.warn(
          { code: error.code, status: error.status, attempt: attemptNumber, delayMs, request: describe },
          'upstream request failed; retrying',
        );
        await wait(delayMs, options.signal);
        return true;
      },
    });
    return response as HttpResponse<T>;
  }

  return { request: perform };
}

/** Every secret of the stored credential, for the upstream's error text to be rid of. */
function storedSecrets(auth: UpstreamAuth | undefined): string[] {
  if (auth === undefined) return [];
  switch (auth.type) {
    case 'basic':
      return [auth.password];
    case 'bearer':
      return [auth.token];
    case 'api_key':
      return [auth.key];
    case 'oauth2':
      return [auth.clientSecret, auth.password, auth.refreshToken].filter((secret): secret is string => secret !== undefined);
  }
}

function rethrowNotSent(error: unknown): never {
  throw markedNotSent(error);
}

function isUnauthorized(error: unknown): boolean {
  return error instanceof ConnectorError && error.status === 401;
}

/**
 * A Retry-After beyond what a run may wait: stop now with rate_limited and the wait, so the
 * runtime reschedules the run instead of holding a worker (AbortError stops p-retry).
 */
function giveUpOnLongWaits(error: unknown, describe: string, policy: RetryPolicy): unknown {
  if (!(error instanceof ConnectorError) || error.retryAfterMs === undefined) return error;
  if (error.retryAfterMs <= policy.maxRetryAfterMs) return error;
  const seconds = Math.ceil(error.retryAfterMs / 1000);
  const limited = new ConnectorError('rate_limited', `${describe} answered ${error.status}: retry after ${seconds} s`, {
    retryAfterMs: error.retryAfterMs,
    ...(error.status === undefined ? {} : { status: error.status }),
    notSent: error.notSent,
  });
  return new AbortError(limited);
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
