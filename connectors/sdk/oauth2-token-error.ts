import { errorForNetworkFailure, errorForOversizedBody, errorForRefusedAddress, errorForResponse } from './classify-error.ts';
import type { OAuth2Auth } from './credentials.ts';
import { ConnectorError } from './failure.ts';
import { tokenEndpointReason } from './oauth2-token-reason.ts';
import { parseRetryAfter } from './retry-after.ts';
import { refusalIn } from './upstream-address-guard.ts';

// simple-oauth2 talks to the token endpoint with @hapi/wreck, which rejects with Boom errors:
// a response error carries `data.res` (and `data.payload`, the parsed body); a transport
// failure carries no response (a connection the upstream address policy refused is one: its
// lookup failed); a body wreck stopped reading carries the response but is no response error. The
// Boom message is not copied and the Boom is not attached as `cause`: token endpoints echo the
// form (secret, password) back. Only the endpoint's reason is kept, scrubbed like any upstream's
// (oauth2-token-reason.ts).

type WreckHeaders = Record<string, string | string[] | undefined>;

interface WreckFailure {
  isBoom?: boolean;
  output?: { statusCode?: number };
  data?: { res?: { statusCode?: number; headers?: WreckHeaders; socket?: { bytesRead?: number } | null }; payload?: unknown; isResponseError?: boolean } | null;
}

/** Wreck's Boom.entityTooLarge; an answered 413 is a response error instead. */
const BODY_OVER_LIMIT = 413;

/** Wreck boomifies a socket error in place, putting this before its message. */
const WRECK_REQUEST_ERROR_PREFIX = /^Client request error: /;

/**
 * RFC 6749 §5.2 codes saying this client may not use this grant at all (ServiceNow: the
 * client-credentials grant not enabled on the instance). A person must change the configuration;
 * a new secret or refresh token would be refused the same way.
 */
const GRANT_NOT_ALLOWED: ReadonlySet<string> = new Set(['unsupported_grant_type', 'unauthorized_client']);

/** Wreck's own timeouts: 504 "Client request timeout" and 408 while reading the body. */
const WRECK_TIMEOUT_STATUSES: ReadonlySet<number | undefined> = new Set([504, 408]);

/** RFC 6749 §5.2 error codes are short snake_case words, safe to show; anything else is dropped. */
function oauthErrorCode(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const code = (payload as { error?: unknown }).error;
  return typeof code === 'string' && /^[a-z_]{1,40}$/.test(code) ? code : undefined;
}

export interface TokenRequestFacts {
  tokenUrl: string;
  grant: OAuth2Auth['grant'];
  now: () => Date;
  /** What the token request carried that an echo must not show: client secret, password, refresh token. */
  secrets: readonly string[];
  /** The most of an answer the token request reads (wreck's maxBytes). */
  maxBytes: number;
}

export function classifyTokenError(error: unknown, facts: TokenRequestFacts): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const { tokenUrl, grant, now } = facts;
  const refused = refusalIn(error);
  if (refused !== undefined) {
    const explanation = refused.message.replace(WRECK_REQUEST_ERROR_PREFIX, '');
    return errorForRefusedAddress({ method: 'POST', url: tokenUrl, host: refused.host, explanation, redirected: false });
  }
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
  if (stoppedAtLimit(failure, facts.maxBytes)) {
    const oversized = errorForOversizedBody({ method: 'POST', url: tokenUrl, maxBytes: facts.maxBytes });
    return new ConnectorError(oversized.code, oversized.message, { status });
  }
  const headers = data?.res?.headers;
  const reasonOf = (codeShown: boolean): string | undefined =>
    tokenEndpointReason({ payload: data?.payload, contentType: headerValue(headers, 'content-type'), codeShown, secrets: facts.secrets });
  if (status === 400 || status === 401) {
    const code = oauthErrorCode(data?.payload);
    return refusal({ path, status, code, grant, reason: reasonOf(code !== undefined) });
  }
  const classified = errorForResponse({ method: 'POST', url: tokenUrl, status, retryAfterMs: retryAfterMs(headers, now), reason: status >= 400 ? reasonOf(false) : undefined });
  if (classified !== undefined) return classified;
  // A 2xx the client could not use: not JSON, or no access_token in it.
  return new ConnectorError('upstream_bad_response', `POST ${path} answered ${status} without a usable token`, { status });
}

/**
 * Wreck stopped reading the body at maxBytes. It does so by destroying the response, which Node
 * reports at once as an abort, so the Boom is usually its "Payload stream closed prematurely" (500)
 * rather than its 413: more bytes read off the socket than the limit tell the two apart, as a body
 * cannot pass the limit without wreck stopping it.
 */
function stoppedAtLimit(failure: WreckFailure, maxBytes: number): boolean {
  if (failure.data?.isResponseError === true) return false;
  if (failure.output?.statusCode === BODY_OVER_LIMIT) return true;
  return (failure.data?.res?.socket?.bytesRead ?? 0) > maxBytes;
}

/**
 * The token endpoint said no: to the grant as configured, or to the secret behind it. A refused
 * refresh token has run out (expired, revoked, rotated away): auth_expired, a person re-authorises.
 * A refused password or client secret (invalid_grant, invalid_client) is a credential that is
 * wrong now, like a 401 from the API itself: auth_invalid.
 */
function refusal({ path, status, code, grant, reason }: Refusal): ConnectorError {
  const answered = `POST ${path} answered ${status}${code === undefined ? '' : ` (${code})`}`;
  const because = reason === undefined ? '' : `: ${reason}`;
  if (code !== undefined && GRANT_NOT_ALLOWED.has(code)) {
    return new ConnectorError('config_invalid', `${answered}: this client may not use the configured grant${because}`, { status });
  }
  // A wrong client id or secret is wrong under any grant, the refresh grant included.
  if (grant === 'refresh_token' && code !== 'invalid_client') {
    return new ConnectorError('auth_expired', `${answered}: the refresh token was refused${because}`, { status });
  }
  return new ConnectorError('auth_invalid', `${answered}: the ${grant} grant was refused${because}`, { status });
}

interface Refusal {
  path: string;
  status: number;
  /** The RFC 6749 error code, when it is one. */
  code: string | undefined;
  grant: OAuth2Auth['grant'];
  /** The endpoint's error_description, already one short line without credentials. */
  reason: string | undefined;
}

/** A throttled token endpoint (429, 503) says how long to wait like any other upstream. */
function retryAfterMs(headers: WreckHeaders | undefined, now: () => Date): number | undefined {
  return parseRetryAfter(headerValue(headers, 'retry-after'), now());
}

function headerValue(headers: WreckHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  return Array.isArray(value) ? value[0] : value;
}
