import { errorForNetworkFailure, errorForResponse } from './classify-error.ts';
import { ConnectorError } from './failure.ts';

// simple-oauth2 talks to the token endpoint with @hapi/wreck, which rejects with Boom errors:
// a response error carries `data.res` (and `data.payload`, the parsed body); a transport
// failure carries no response. Neither the body nor the Boom message is copied, and the Boom
// is not attached as `cause`: token endpoints echo the form (secret, password) back.

interface WreckFailure {
  isBoom?: boolean;
  output?: { statusCode?: number };
  data?: { res?: { statusCode?: number }; payload?: unknown } | null;
}

/** Wreck's own timeouts: 504 "Client request timeout" and 408 while reading the body. */
const WRECK_TIMEOUT_STATUSES: ReadonlySet<number | undefined> = new Set([504, 408]);

/** RFC 6749 §5.2 error codes are short snake_case words, safe to show; anything else is dropped. */
function oauthErrorCode(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const code = (payload as { error?: unknown }).error;
  return typeof code === 'string' && /^[a-z_]{1,40}$/.test(code) ? code : undefined;
}

export function classifyTokenError(error: unknown, tokenUrl: string): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const path = new URL(tokenUrl).pathname;
  const failure = (typeof error === 'object' && error !== null ? error : {}) as WreckFailure;
  if (failure.isBoom !== true) {
    // Not from the HTTP layer; its message may quote configuration (Joi quotes values).
    return new ConnectorError('upstream_bad_response', `POST ${path} failed unexpectedly`);
  }
  const data = failure.data ?? undefined;
  const status = data?.res?.statusCode;
  if (status === undefined) {
    // Socket errors are boomified in place, so the Boom itself carries `code` (ECONNREFUSED…).
    const timedOut = data === undefined && WRECK_TIMEOUT_STATUSES.has(failure.output?.statusCode);
    return errorForNetworkFailure({ method: 'POST', url: tokenUrl, error: timedOut ? { name: 'TimeoutError' } : failure });
  }
  const code = oauthErrorCode(data?.payload);
  const suffix = code === undefined ? '' : ` (${code})`;
  if (status === 400 || status === 401) {
    // invalid_grant, invalid_client…: the refresh token or client secret behind the access
    // token no longer works, and only a person can issue a new one.
    return new ConnectorError('auth_expired', `POST ${path} answered ${status}${suffix}: the token request was refused`, {
      status,
    });
  }
  const classified = errorForResponse({ method: 'POST', url: tokenUrl, status });
  if (classified !== undefined) return classified;
  // A 2xx the client could not use: not JSON, or no access_token in it.
  return new ConnectorError('upstream_bad_response', `POST ${path} answered ${status} without a usable token`, { status });
}
