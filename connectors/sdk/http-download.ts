import type { IncomingHttpHeaders } from 'node:http';
import got, { type Request } from 'got';
import type { HttpRequest } from './http.types.ts';
import { guardedLookup, refuseLiteralAddress, type HostResolver } from './upstream-address-guard.ts';
import type { UpstreamAddressPolicy } from './upstream-address-policy.ts';

// One request through got's stream API, so that the status is known before any of the body is
// read and the reading can stop early: a successful answer is read up to the size the hub holds in
// memory, an error answer only as far as its reason needs. Stopping destroys the request, which
// closes the connection instead of draining the rest.

/** Methods whose request got ends by itself; any other is ended here when it carries no body. */
const ENDED_BY_GOT: ReadonlySet<string> = new Set(['GET', 'HEAD']);

export interface DownloadRequest {
  url: URL;
  method: NonNullable<HttpRequest['method']>;
  headers: Record<string, string>;
  json?: unknown;
  body?: string | Buffer | undefined;
  timeoutMs: number;
  followRedirect: boolean;
  beforeRedirect: (options: { url?: URL | string | undefined; headers: Record<string, unknown> }) => void;
  signal?: AbortSignal | undefined;
  /** Body bytes (after decompression) a successful answer may have; past them, BodyOverLimit. */
  maxBytes: number;
  /** Body bytes of an error answer (4xx, 5xx) worth reading; the rest is not downloaded. */
  errorPrefixBytes: number;
  /** The addresses connections may go to, checked on every hop (see upstream-address-guard.ts). */
  addresses: UpstreamAddressPolicy;
  /** Resolves host names; the system resolver when absent. */
  resolve?: HostResolver | undefined;
}

export interface DownloadedAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** Where the answer came from, after redirects. */
  url: string;
  /** The whole body of a success; at most errorPrefixBytes of an error. */
  body: Buffer;
}

/** A successful answer's body went past maxBytes (or announced it would); its download was stopped. */
export class BodyOverLimit extends Error {
  constructor() {
    super('the response body is over the size limit');
    this.name = 'BodyOverLimit';
  }
}

export async function download(request: DownloadRequest): Promise<DownloadedAnswer> {
  refuseLiteralAddress(request.url, request.addresses);
  const stream = got.stream(request.url, {
    method: request.method,
    headers: request.headers,
    ...(request.json === undefined ? {} : { json: request.json }),
    ...(request.body === undefined ? {} : { body: request.body }),
    timeout: { request: request.timeoutMs },
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: request.followRedirect,
    dnsLookup: guardedLookup(request.addresses, request.resolve),
    // The caller's hook first: it sees every redirect, the refused ones too.
    hooks: { beforeRedirect: [request.beforeRedirect, refuseLiteralRedirect(request.addresses)] },
    ...(request.signal === undefined ? {} : { signal: request.signal }),
  });
  // got's stream waits for a body to be written into it, unless the method has none.
  if (request.json === undefined && request.body === undefined && !ENDED_BY_GOT.has(request.method)) stream.end();
  const head = await answerHead(stream);
  const failed = head.statusCode >= 400;
  // An error's reason needs its first bytes, however large the page announces itself; a success
  // announcing too much is refused before any of it is read. A HEAD answer's Content-Length
  // describes a body that is never sent.
  const announced = request.method === 'HEAD' ? 0 : Number(head.headers['content-length'] ?? 0);
  if (!failed && announced > request.maxBytes) {
    stream.destroy();
    throw new BodyOverLimit();
  }
  const limit = failed ? Math.min(request.errorPrefixBytes, request.maxBytes) : request.maxBytes;
  return { statusCode: head.statusCode, headers: head.headers, url: head.url, body: await readBody(stream, limit, failed) };
}

/** A redirect to an IP literal is connected to without a lookup, so the guarded lookup never sees it. */
function refuseLiteralRedirect(policy: UpstreamAddressPolicy): (options: { url?: URL | string | undefined }) => void {
  return (options) => {
    if (options.url !== undefined) refuseLiteralAddress(options.url, policy);
  };
}

interface AnswerHead {
  statusCode: number;
  headers: IncomingHttpHeaders;
  url: string;
}

/** The status and headers, once they arrive; got's error (network, timeout, abort, bad options) otherwise. */
function answerHead(stream: Request): Promise<AnswerHead> {
  return new Promise((resolve, reject) => {
    // Kept for the whole download: an error while the body is read rejects the reading too, and
    // a listener must be there for it.
    stream.on('error', reject);
    stream.once('response', (response: AnswerHead) => resolve({ statusCode: response.statusCode, headers: response.headers, url: response.url }));
  });
}

/**
 * The body, counted as it decompresses (a small gzip may hold a huge body). Leaving the loop early
 * destroys the stream, and with it the connection.
 */
async function readBody(stream: Request, limit: number, prefixOnly: boolean): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    received += chunk.length;
    if (prefixOnly && received >= limit) break;
    if (!prefixOnly && received > limit) throw new BodyOverLimit();
  }
  return Buffer.concat(chunks);
}
