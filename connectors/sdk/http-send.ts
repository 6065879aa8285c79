import type { IncomingHttpHeaders } from 'node:http';
import { describeRequest, errorForNetworkFailure, errorForOversizedBody, errorForRefusedAddress, errorForResponse } from './classify-error.ts';
import { ConnectorError } from './failure.ts';
import { BodyOverLimit, download, type DownloadedAnswer } from './http-download.ts';
import type { HttpRequest, HttpResponse } from './http.types.ts';
import { parseRetryAfter } from './retry-after.ts';
import { requestSecrets } from './scrub-credentials.ts';
import { refusalIn, type HostResolver } from './upstream-address-guard.ts';
import { defaultUpstreamAddressPolicy, type UpstreamAddressPolicy } from './upstream-address-policy.ts';
import { commonErrorReason, ERROR_BODY_PREFIX_BYTES, upstreamReason, type ErrorReasonReader } from './upstream-reason.ts';

// One HTTP attempt through got, answered with a response or a classified ConnectorError. got's
// own retry is off (retries are the client's, so they pass the breaker and honour Retry-After)
// and so are its HTTP errors (every status is classified here). got errors are never attached
// as `cause`: they carry the request options, Authorization header included.

/** Node's refusals of a request's headers, raised before anything is sent. */
const REFUSED_BEFORE_SENDING: ReadonlySet<string> = new Set(['ERR_INVALID_CHAR', 'ERR_INVALID_HTTP_TOKEN', 'ERR_HTTP_INVALID_HEADER_VALUE']);

/**
 * A successful answer's body is held whole in memory (and JSON.parse needs several times its size),
 * so a larger one is refused while it downloads: a hostile upstream, or a URL pointing at a file
 * server, must not take the process down. 64 MB holds a 1,000-record ServiceNow page (the largest
 * pageSize) at 60 KB a record, far above what a record with long text fields weighs. An error's
 * body is read only as far as its reason needs (see http-download.ts).
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface Attempt {
  method: NonNullable<HttpRequest['method']>;
  url: URL;
  headers: Record<string, string>;
  json?: unknown;
  body?: string | Buffer | undefined;
  timeoutMs: number;
  responseType: 'json' | 'text' | 'buffer';
  followRedirect: boolean;
  signal?: AbortSignal | undefined;
  now: () => Date;
  /** Body bytes (after decompression) accepted before the download is stopped; DEFAULT_MAX_RESPONSE_BYTES when absent. */
  maxResponseBytes?: number | undefined;
  /** Reads the upstream's reason out of an error body; commonErrorReason when absent. */
  errorReason?: ErrorReasonReader | undefined;
  /**
   * Credentials the upstream may know without this request carrying them (an OAuth client secret,
   * a refresh token), removed from its reason with those the request carries.
   */
  secrets?: readonly string[] | undefined;
  /** The addresses the hub may connect to; defaultUpstreamAddressPolicy() when absent. */
  addresses?: UpstreamAddressPolicy | undefined;
  /** Resolves host names; the system resolver when absent. */
  resolve?: HostResolver | undefined;
}

export async function sendAttempt(attempt: Attempt): Promise<HttpResponse> {
  const { method, url } = attempt;
  const maxBytes = attempt.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  let answer: DownloadedAnswer;
  // A refusal after a redirect names the hop, and the request itself did reach the upstream.
  let redirected = false;
  const offOrigin = withoutCredentialsOffOrigin(url.origin);
  try {
    answer = await download({
      url,
      method,
      headers: attempt.headers,
      json: attempt.json,
      body: attempt.body,
      timeoutMs: attempt.timeoutMs,
      followRedirect: attempt.followRedirect,
      beforeRedirect: (options) => {
        redirected = true;
        offOrigin(options);
      },
      signal: attempt.signal,
      maxBytes,
      // An error answer is read for its reason only, which needs no more than this.
      errorPrefixBytes: ERROR_BODY_PREFIX_BYTES,
      addresses: attempt.addresses ?? defaultUpstreamAddressPolicy(),
      resolve: attempt.resolve,
    });
  } catch (error) {
    // Cancellation is not an upstream failure: surface the caller's own reason.
    if (attempt.signal?.aborted) throw attempt.signal.reason;
    if (error instanceof BodyOverLimit) throw errorForOversizedBody({ method, url: url.href, maxBytes });
    const refusal = refusalIn(error);
    if (refusal !== undefined) throw errorForRefusedAddress({ method, url: url.href, host: refusal.host, explanation: refusal.message, redirected });
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_GOT_REQUEST_ERROR') {
      throw new ConnectorError('config_invalid', `${describeRequest(method, url.href)} could not be sent: invalid request options`, { notSent: true });
    }
    if (typeof code === 'string' && REFUSED_BEFORE_SENDING.has(code)) {
      // Node checks headers before it opens a connection: no byte left, and the same values fail
      // again however often they are sent.
      throw new ConnectorError('config_invalid', `${describeRequest(method, url.href)} could not be sent: a header name or value is not allowed in HTTP (${code})`, { notSent: true });
    }
    throw errorForNetworkFailure({ method, url: url.href, error });
  }
  const failure = failureOf(answer, attempt);
  if (failure !== undefined) throw failure;
  return {
    status: answer.statusCode,
    headers: lowerCaseHeaders(answer.headers),
    body: parseBody(answer.body, attempt, answer.statusCode),
    url: answer.url,
  };
}

/** The classified failure an answer's status means, with what its body says; undefined for a success. */
function failureOf(answer: DownloadedAnswer, attempt: Attempt): ConnectorError | undefined {
  const headers = lowerCaseHeaders(answer.headers);
  return errorForResponse({
    method: attempt.method,
    url: attempt.url.href,
    status: answer.statusCode,
    answeredUrl: answer.url,
    retryAfterMs: parseRetryAfter(headers['retry-after'], attempt.now()),
    reason: answer.statusCode >= 400 ? reasonOf(answer.body, headers['content-type'], attempt) : undefined,
  });
}

function reasonOf(body: Buffer, contentType: string | undefined, attempt: Attempt): string | undefined {
  return upstreamReason({
    body,
    contentType,
    read: attempt.errorReason ?? commonErrorReason,
    secrets: [...requestSecrets(attempt), ...(attempt.secrets ?? [])],
  });
}

/**
 * got drops Authorization on a redirect to another host or port, but not on one from https to http
 * on the same host: credentials never leave the origin they were given for, and never in clear text.
 */
function withoutCredentialsOffOrigin(origin: string): (options: { url?: URL | string | undefined; headers: Record<string, unknown> }) => void {
  return (options) => {
    if (options.url !== undefined && new URL(options.url).origin === origin) return;
    delete options.headers.authorization;
    delete options.headers.cookie;
  };
}

function parseBody(raw: Buffer, attempt: Attempt, status: number): unknown {
  if (attempt.responseType === 'buffer') return raw;
  const text = raw.toString('utf8');
  if (attempt.responseType === 'text') return text;
  // 204, HEAD and friends: nothing to parse.
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // A hibernating or misconfigured instance often answers 200 with an HTML page.
    throw new ConnectorError('upstream_bad_response', `${describeRequest(attempt.method, attempt.url.href)} answered ${status} with a body that is not JSON`, {
      status,
    });
  }
}

function lowerCaseHeaders(raw: IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
