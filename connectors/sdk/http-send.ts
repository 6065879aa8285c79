import got, { type Response } from 'got';
import { describeRequest, errorForNetworkFailure, errorForOversizedBody, errorForResponse } from './classify-error.ts';
import { ConnectorError } from './failure.ts';
import type { HttpRequest, HttpResponse } from './http.types.ts';
import { parseRetryAfter } from './retry-after.ts';
import { requestSecrets } from './scrub-credentials.ts';
import { commonErrorReason, upstreamReason, type ErrorReasonReader } from './upstream-reason.ts';

// One HTTP attempt through got, answered with a response or a classified ConnectorError. got's
// own retry is off (retries are the client's, so they pass the breaker and honour Retry-After)
// and so are its HTTP errors (every status is classified here). got errors are never attached
// as `cause`: they carry the request options, Authorization header included.

/** Node's refusals of a request's headers, raised before anything is sent. */
const REFUSED_BEFORE_SENDING: ReadonlySet<string> = new Set(['ERR_INVALID_CHAR', 'ERR_INVALID_HTTP_TOKEN', 'ERR_HTTP_INVALID_HEADER_VALUE']);

/**
 * Bodies are held whole in memory (and JSON.parse needs several times their size), so a larger one
 * is refused while it downloads: a hostile upstream, or a URL pointing at a file server, must not
 * take the process down. 64 MB holds a 1,000-record ServiceNow page (the largest pageSize) at
 * 60 KB a record, far above what a record with long text fields weighs.
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
}

export async function sendAttempt(attempt: Attempt): Promise<HttpResponse> {
  const { method, url } = attempt;
  const maxBytes = attempt.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  let overLimit = false;
  let response: Response<Buffer>;
  try {
    const request = got(url, {
      method,
      headers: attempt.headers,
      ...(attempt.json === undefined ? {} : { json: attempt.json }),
      ...(attempt.body === undefined ? {} : { body: attempt.body }),
      timeout: { request: attempt.timeoutMs },
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: attempt.followRedirect,
      hooks: { beforeRedirect: [withoutCredentialsOffOrigin(url.origin)] },
      responseType: 'buffer',
      ...(attempt.signal === undefined ? {} : { signal: attempt.signal }),
    });
    // The first report carries Content-Length as `total`, so a body announced too large is refused
    // before any of it is read; the later ones count what arrived, for bodies without a length or
    // longer than announced (and compressed bodies, counted as they decompress). A HEAD answer's
    // Content-Length describes a body that is never sent.
    request.on('downloadProgress', ({ transferred, total }) => {
      const announced = method === 'HEAD' ? 0 : (total ?? 0);
      if (overLimit || (transferred <= maxBytes && announced <= maxBytes)) return;
      overLimit = true;
      request.cancel();
    });
    response = await request;
  } catch (error) {
    // Cancellation is not an upstream failure: surface the caller's own reason.
    if (attempt.signal?.aborted) throw attempt.signal.reason;
    if (overLimit) {
      // An error status is what the answer means, whatever the size of the page that came with it
      // (a proxy's 503 with a large error page is the upstream being unavailable). got's
      // cancellation carries the response whose download it stopped.
      const stopped = (error as { response?: AnswerHead }).response;
      throw (stopped && failureOf(stopped, attempt)) ?? errorForOversizedBody({ method, url: url.href, maxBytes });
    }
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
  const failure = failureOf(response, attempt, response.body);
  if (failure !== undefined) throw failure;
  return {
    status: response.statusCode,
    headers: lowerCaseHeaders(response.headers),
    body: parseBody(response.body, attempt, response.statusCode),
    url: response.url,
  };
}

interface AnswerHead {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The classified failure an answer's status means, with what its body says when it was read;
 * undefined for a success.
 */
function failureOf(answer: AnswerHead, attempt: Attempt, body?: Buffer): ConnectorError | undefined {
  const headers = lowerCaseHeaders(answer.headers);
  const failed = answer.statusCode >= 400 && body !== undefined;
  return errorForResponse({
    method: attempt.method,
    url: attempt.url.href,
    status: answer.statusCode,
    retryAfterMs: parseRetryAfter(headers['retry-after'], attempt.now()),
    reason: failed ? reasonOf(body, headers['content-type'], attempt) : undefined,
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

function lowerCaseHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
