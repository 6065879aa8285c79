import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAttachmentDownload, handleAttachmentUpload, type StoredAttachment } from './attachments.ts';
import { authenticate, type FakeAuthSettings } from './auth.ts';
import { defaultFailureBody, FaultQueue, type FailureSpec, type FaultTarget } from './faults.ts';
import { contentType, delayAnswer, loseAnswer, readBody, sendError, sendJson } from './http-io.ts';
import { handleTokenRequest, type IssuedToken } from './oauth.ts';
import { handleTable, type RouteContext } from './table-routes.ts';
import { FakeTables } from './tables.ts';

// A ServiceNow instance small enough to read: a real HTTP server on 127.0.0.1 speaking the Table,
// Attachment and OAuth token APIs, with scripted failures, for connector tests, end-to-end tests
// and benchmarks.

export interface FakeServiceNowOptions {
  /** The instance's clock; inject one so many records can share a second. */
  clock?: () => Date;
  /** No auth configured = every call is let in as `admin`. */
  auth?: FakeAuthSettings;
  /**
   * The integration user's time zone, in minutes east of UTC (UTC-5 is -300; default 0, UTC).
   * Date-times in records and answers stay UTC, but date literals in sysparm_query are read in
   * this zone. ASSUMPTION: the fact sheet leaves it UNCONFIRMED that an instance reads them as
   * UTC and advises a UTC user; this plays the instance whose user was not set so.
   */
  userUtcOffsetMinutes?: number;
  /**
   * Every call takes effect at once but is answered this many ms later: a slow instance, so a
   * test can stop the caller while a page is read or a record made but not yet answered.
   */
  answerDelayMs?: number;
  /**
   * Only ServiceNow's stock task tables and the tables a test wrote to exist; the Table API answers
   * 400 "Invalid table" for any other. Off by default, so a test may read a table it never seeded.
   */
  strictTables?: boolean;
  /** com.glide.attachment.max_size in bytes (default 1024 MB, the fact sheet's default). */
  maxAttachmentBytes?: number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
  /** Set once answered; undefined while hanging. */
  status?: number;
  /** Who the call authenticated as. */
  user?: string;
}

export interface FakeServiceNow {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  records: FakeTables;
  /** Every OAuth token issued, oldest first. */
  tokens: IssuedToken[];
  requests: LoggedRequest[];
  attachments: StoredAttachment[];
  /** The next `count` requests (optionally only those matching `failure.path` / `failure.method`) fail with this status. */
  failNext(count: number, failure: FailureSpec): void;
  /** The next `count` requests are never answered (until close). */
  hang(count: number, path?: string): void;
  /** The next `count` requests matching `target` are carried out, then the connection drops instead of the answer. */
  loseAnswer(count: number, target?: FaultTarget): void;
  setAuth(auth: FakeAuthSettings): void;
  /** See FakeServiceNowOptions.userUtcOffsetMinutes. */
  setUserUtcOffset(minutes: number): void;
  setClock(clock: () => Date): void;
  /** See FakeServiceNowOptions.maxAttachmentBytes. */
  setMaxAttachmentBytes(bytes: number): void;
  close(): Promise<void>;
}

const DEFAULT_MAX_ATTACHMENT_BYTES = 1024 * 1024 * 1024;
const TABLE_PATH = /^\/api\/now\/(?:v2\/)?table\/([a-z0-9_]+)(?:\/([^/]+))?$/;
const ATTACHMENT_FILE_PATH = /^\/api\/now\/attachment\/([0-9a-f]{32})\/file$/;

export async function startFakeServiceNow(options: FakeServiceNowOptions = {}): Promise<FakeServiceNow> {
  let clock = options.clock ?? (() => new Date());
  let auth: FakeAuthSettings = options.auth ?? {};
  let userUtcOffsetMinutes = options.userUtcOffsetMinutes ?? 0;
  let maxAttachmentBytes = options.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
  const records = new FakeTables(() => clock());
  const tokens: IssuedToken[] = [];
  const requests: LoggedRequest[] = [];
  const attachments: StoredAttachment[] = [];
  const faults = new FaultQueue();

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
    const entry: LoggedRequest = { method: request.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: request.headers, body: body.toString('utf8') };
    requests.push(entry);
    response.on('finish', () => (entry.status = response.statusCode));
    if (options.answerDelayMs) delayAnswer(response, options.answerDelayMs);

    const fault = faults.take(entry.method, url.pathname);
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'fail') return sendFailure(response, fault.spec);
    if (fault?.kind === 'lose') loseAnswer(request, response);

    const now = clock();
    if (url.pathname === '/oauth_token.do' && entry.method === 'POST') return handleTokenRequest(request, body, response, auth.oauth, tokens, now);
    if (!url.pathname.startsWith('/api/')) return sendError(response, 404, 'Requested URI does not represent any resource', null);

    const outcome = authenticate(request, auth, tokens, now);
    if (!outcome.ok) return sendError(response, 401, 'User Not Authenticated', 'Required to provide Auth information');
    entry.user = outcome.user;
    const ctx: RouteContext = { method: entry.method, url, body, contentType: contentType(request), user: outcome.user, userUtcOffsetMinutes, strictTables: options.strictTables ?? false, response, tables: records };

    const table = TABLE_PATH.exec(url.pathname);
    if (table) return handleTable(ctx, table[1] ?? '', table[2]);
    if (url.pathname === '/api/now/attachment/file' && entry.method === 'POST') return handleAttachmentUpload(ctx, attachments, now, maxAttachmentBytes);
    const download = ATTACHMENT_FILE_PATH.exec(url.pathname);
    if (download && entry.method === 'GET') return handleAttachmentDownload(ctx, attachments, download[1] ?? '');
    sendError(response, 400, 'Requested URI does not represent any resource', null);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: { message: 'fake ServiceNow crashed', detail: String(error) }, status: 'failure' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    records,
    tokens,
    requests,
    attachments,
    failNext: (count, failure) => faults.failNext(count, failure),
    hang: (count, path) => faults.hang(count, path),
    loseAnswer: (count, target = {}) => faults.loseAnswer(count, target),
    setAuth: (next) => void (auth = next),
    setUserUtcOffset: (minutes) => void (userUtcOffsetMinutes = minutes),
    setClock: (next) => void (clock = next),
    setMaxAttachmentBytes: (bytes) => void (maxAttachmentBytes = bytes),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Hanging requests and keep-alive sockets would otherwise hold close() open forever.
        server.closeAllConnections();
      }),
  };
}

function sendFailure(response: ServerResponse, spec: FailureSpec): void {
  const headers: Record<string, string> = { ...spec.headers };
  if (spec.retryAfter !== undefined) headers['retry-after'] = String(spec.retryAfter);
  const body = spec.body ?? defaultFailureBody(spec.status);
  if (typeof body === 'string') {
    response.writeHead(spec.status, { 'content-type': 'text/plain', ...headers });
    response.end(body);
  } else {
    sendJson(response, spec.status, body, headers);
  }
}
