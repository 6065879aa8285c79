import { ConnectorError, type FailureCode } from './failure.ts';

// Maps what the upstream (or the network) did to a failure code. Pure, so every row of the
// table is unit-tested. Messages carry method, host/path and status, never the query string (it
// holds search terms and sometimes keys), and the upstream's own reason when the caller read one
// from the body, already cut short and rid of credentials (upstream-reason.ts).

const CODE_BY_STATUS: ReadonlyMap<number, FailureCode> = new Map([
  [400, 'config_invalid'],
  [401, 'auth_invalid'],
  [403, 'permission_denied'],
  [404, 'config_invalid'],
  [405, 'config_invalid'],
  // Request Timeout: the server gave up waiting for our request (a slow link, an overloaded proxy);
  // sending it again is what RFC 9110 asks for.
  [408, 'upstream_unavailable'],
  [409, 'config_invalid'],
  [410, 'cursor_expired'],
  // Content Too Large and URI Too Long: the upstream refuses this request as sent, and will again
  // until a person sends less (a smaller file, a shorter query, a smaller page).
  [413, 'config_invalid'],
  [414, 'config_invalid'],
  [422, 'config_invalid'],
  [429, 'rate_limited'],
  [500, 'upstream_unavailable'],
  [502, 'upstream_unavailable'],
  [503, 'upstream_unavailable'],
  [504, 'upstream_unavailable'],
]);

/** Statuses whose Retry-After the hub honours (vendors throttle with 503 too). */
const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/** The failure code of an HTTP status, or undefined when the status is a success. */
export function codeForStatus(status: number): FailureCode | undefined {
  if (status < 400) return undefined;
  return CODE_BY_STATUS.get(status) ?? 'upstream_bad_response';
}

/** "GET /api/now/table/incident": the path only, never the query string. */
export function describeRequest(method: string, url: string): string {
  return `${method.toUpperCase()} ${safeUrl(url).pathname}`;
}

export interface ResponseFacts {
  method: string;
  url: string;
  status: number;
  /** Where the answer came from, after redirects; named when another host answered. */
  answeredUrl?: string | undefined;
  /** Already parsed from Retry-After (see retry-after.ts). */
  retryAfterMs?: number | undefined;
  /** What the upstream said, one short line without credentials (see upstream-reason.ts). */
  reason?: string | undefined;
}

/** The ConnectorError for a response, or undefined for 1xx–3xx. */
export function errorForResponse(facts: ResponseFacts): ConnectorError | undefined {
  const code = codeForStatus(facts.status);
  if (code === undefined) return undefined;
  const answered = `${describeRequest(facts.method, facts.url)}${redirectedElsewhere(facts)} answered ${facts.status}`;
  const message = facts.reason === undefined ? answered : `${answered}: ${facts.reason}`;
  const retryAfterMs = RETRY_AFTER_STATUSES.has(facts.status) ? facts.retryAfterMs : undefined;
  return new ConnectorError(code, message, {
    status: facts.status,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/**
 * ", redirected to other.example:8443/path, which" when an answer came from another origin than the
 * request went to, so that whoever reads the failure knows whose words the reason is.
 */
function redirectedElsewhere(facts: ResponseFacts): string {
  if (facts.answeredUrl === undefined) return '';
  const sent = safeUrl(facts.url);
  const answered = safeUrl(facts.answeredUrl);
  if (answered.origin === sent.origin) return '';
  return `, redirected to ${answered.protocol}//${answered.host}${answered.pathname}, which`;
}

export interface RefusedAddressFacts {
  method: string;
  url: string;
  /** The host refused: the request's own, or a redirect's. */
  host: string;
  /** What the address is and which setting refuses it (upstream-address-guard.ts). */
  explanation: string;
  /** A redirect led there: the request itself was sent. */
  redirected: boolean;
}

/**
 * A connection the upstream address policy refused before it was made. Not transient (only a
 * change of the URL or of HUB_UPSTREAM_ADDRESSES helps), and the same whatever listens on the
 * address's ports, so the hub tells nothing about them.
 */
export function errorForRefusedAddress(facts: RefusedAddressFacts): ConnectorError {
  const described = describeRequest(facts.method, facts.url);
  if (!facts.redirected) return new ConnectorError('config_invalid', `${described} was not sent: ${facts.explanation}`, { notSent: true });
  return new ConnectorError('config_invalid', `${described} was redirected to ${facts.host}, which the hub did not follow: ${facts.explanation}`);
}

export interface NetworkFailureFacts {
  method: string;
  url: string;
  /** What the HTTP library threw; only its `code` and `name` are read. */
  error: unknown;
}

/**
 * No HTTP answer at all: DNS, refused or reset connections, TLS, timeouts. The runbook asks
 * for the host and the system error code, so both are in the message; the library's own
 * message is not, as some libraries put full URLs (with query strings) in it.
 */
export function errorForNetworkFailure(facts: NetworkFailureFacts): ConnectorError {
  const url = safeUrl(facts.url);
  const reason = networkReason(facts.error);
  const message = `${facts.method.toUpperCase()} ${url.host}${url.pathname} failed: ${reason}`;
  // An answer Node could not parse (headers past its 16 KB limit, a malformed status line) came
  // back, and will come back the same way: not a connectivity problem, nor worth trying again.
  if (reason.startsWith('HPE_')) return new ConnectorError('upstream_bad_response', `${message}: the answer could not be read (headers over 16 KB, or malformed)`);
  return new ConnectorError('network_error', message, NOT_CONNECTED.has(reason) ? { notSent: true } : {});
}

export interface OversizedBodyFacts {
  method: string;
  url: string;
  /** The limit the body went past. */
  maxBytes: number;
}

/**
 * An answer whose body went past the size the hub holds in memory; its download was stopped. Not
 * transient: the same request brings the same body, so only asking for less (or another URL) helps.
 */
export function errorForOversizedBody(facts: OversizedBodyFacts): ConnectorError {
  return new ConnectorError(
    'upstream_bad_response',
    `${describeRequest(facts.method, facts.url)} answered with a body over ${describeSize(facts.maxBytes)}, the most the hub reads; ` +
      'the download was stopped. Ask for less per request (a smaller page size), or check that the URL points at the API',
  );
}

function describeSize(bytes: number): string {
  const MB = 1024 * 1024;
  if (bytes >= MB) return `${Math.round((bytes / MB) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KB`;
  return `${bytes} bytes`;
}

/**
 * Failures that happen before a connection exists, so no byte of the request reached the upstream.
 * A reset or a timeout is not among them: the upstream may have acted and the answer got lost.
 */
const NOT_CONNECTED: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

function networkReason(error: unknown): string {
  if (typeof error !== 'object' || error === null) return 'network failure';
  const { code, name } = error as { code?: unknown; name?: unknown };
  if (name === 'TimeoutError') return 'timed out (ETIMEDOUT)';
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return code;
  return 'network failure';
}

function safeUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    // Relative or malformed: keep a path-like rendering without the query string.
    return new URL(url.split('?')[0] ?? '', 'http://invalid');
  }
}
