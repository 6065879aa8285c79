import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebhookRequest } from '../../connectors/sdk/connector.types.ts';
import { ApiError } from '../http/api-error.ts';
import { DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS } from '../http/error-handler.ts';
import { isDatabaseUnavailable } from '../db/postgres-errors.ts';
import { isUuidText } from '../db/uuid-text.ts';
import { BODY_LIMIT_BYTES } from '../http/body-limit.ts';
import { recordRequest, requestIdFrom, WEBHOOK_ROUTE } from '../http/request-context.middleware.ts';
import { secureHeaderEntries } from '../http/secure-headers.ts';
import type { HubContext } from '../server/hub-context.ts';
import { createLimitedLog, LOGGED_PER_WINDOW } from '../server/limited-log.ts';
import { errorAnswer, jsonAnswer, webhookIngest, type WebhookAnswer } from './webhook.ingest.ts';

/** Answers a request itself (true) or leaves it to the next layer (false). */
export type NodeRequestHandler = ((req: IncomingMessage, res: ServerResponse) => boolean) & {
  /** Logs what its rate-limited lines still hold back, as the server stops. */
  stop?: () => void;
};

// A sender that has not finished its body by then has given up on the answer: senders time a
// whole delivery out well before (Slack waits 3 seconds, Standard Webhooks senders 15 to 30), and
// 1 MB takes far less on any link a webhook comes over. Without it, a stalled body held its
// connection for Node's request timeout of 5 minutes.
export const WEBHOOK_BODY_TIMEOUT_MS = 30_000;

const PREFIX = '/hooks/';
const TOO_LARGE = new ApiError(413, 'payload_too_large', `the request body exceeds ${BODY_LIMIT_BYTES} bytes`);

class BodyTooLarge extends Error {}

/** How a body never finished: its sender went away, or stopped sending until the timeout. */
type AbortCause = 'hang_up' | 'timeout';
class BodyAborted extends Error {
  readonly abortCause: AbortCause;
  readonly bytesReceived: number;
  constructor(abortCause: AbortCause, bytesReceived: number) {
    super(`webhook body ${abortCause}`);
    this.abortCause = abortCause;
    this.bytesReceived = bytesReceived;
  }
}

/**
 * The body as bytes, refused past the limit whether or not a Content-Length announced it, and
 * given up on when the sender hangs up or has not sent it all within `timeoutMs`. Plain stream
 * events rather than `for await`: the async iterator costs more than the read itself on bodies
 * that arrive in one chunk, which is nearly all of them.
 */
function readBody(req: IncomingMessage, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) {
        req.off('data', onData);
        clearTimeout(timer);
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    let ended = false;
    const timer = setTimeout(() => {
      req.off('data', onData);
      reject(new BodyAborted('timeout', size));
    }, timeoutMs);
    req.on('data', onData);
    req.once('end', () => {
      ended = true;
      clearTimeout(timer);
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.once('error', () => {
      clearTimeout(timer);
      reject(new BodyAborted('hang_up', size));
    });
    // Every request closes; only one that closes before its end had a sender hang up mid-body. (The
    // check comes first: an Error and its stack trace on every request cost more than reading it.)
    req.once('close', () => {
      if (ended) return;
      clearTimeout(timer);
      reject(new BodyAborted('hang_up', size));
    });
  });
}

/** The id as Hono's route would read it (percent-decoded); a malformed escape stays as it came, and matches nothing. */
function decodedSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** A flat [name, value, …] list without `name` (lower-case). */
function dropHeader(headers: string[], name: string): string[] {
  const kept: string[] = [];
  for (let index = 0; index < headers.length; index += 2) {
    if (headers[index]!.toLowerCase() !== name) kept.push(headers[index]!, headers[index + 1]!);
  }
  return kept;
}

function headersOf(req: IncomingMessage): Record<string, string> {
  // Node lower-cases names and joins repeated headers already; only set-cookie stays an array.
  const cookies = req.headers['set-cookie'];
  if (cookies === undefined) return req.headers as Record<string, string>;
  return { ...(req.headers as Record<string, string>), 'set-cookie': cookies.join(', ') };
}

/**
 * POST /hooks/:integrationId straight from Node's request and response, ahead of Hono. Deliveries
 * are the one request the hub gets in bulk, and the web Request/Response objects and middleware
 * chain cost several times what verifying and committing one does; this listener keeps what the
 * middleware gives every request (request id, security headers, body limit, metrics, log line,
 * error JSON) and hands the delivery to the same ingest as the Hono route.
 */
export async function webhookListener(hub: HubContext, { bodyTimeoutMs = WEBHOOK_BODY_TIMEOUT_MS } = {}): Promise<NodeRequestHandler> {
  const ingest = webhookIngest(hub);
  const secureHeaders = await secureHeaderEntries();
  const abortLog = createLimitedLog(hub.logger);
  const bodyTimedOut = new ApiError(408, 'request_timeout', `the request body did not arrive within ${bodyTimeoutMs / 1000} seconds`);

  // Every answer's fixed headers, flattened once: writeHead takes them as one array instead of a
  // validated setHeader call each.
  const fixedHeaders = secureHeaders.flat();
  const fixedNames = new Set(secureHeaders.map(([name]) => name.toLowerCase()));
  const ownNames = new Set(['x-request-id', 'content-length', 'connection']);

  function send(res: ServerResponse, requestId: string, answer: WebhookAnswer, close = false): void {
    let headers = [...fixedHeaders, 'X-Request-Id', requestId];
    for (const [name, value] of Object.entries(answer.headers ?? {})) {
      const lower = name.toLowerCase();
      if (ownNames.has(lower)) continue;
      // A connector's own value for a security header replaces the default, as setHeader would.
      if (fixedNames.has(lower)) headers = dropHeader(headers, lower);
      headers.push(name, value);
    }
    // A refused body may still be arriving: hang up rather than read it to keep the connection.
    if (close) headers.push('Connection', 'close');
    // 1xx, 204 and 304 answers carry no body, and no length either.
    const bodiless = answer.status < 200 || answer.status === 204 || answer.status === 304;
    const body = bodiless ? '' : (answer.body ?? '');
    if (!bodiless) headers.push('Content-Length', String(Buffer.byteLength(body)));
    res.writeHead(answer.status, headers);
    res.end(body);
  }

  function internalError(requestId: string): WebhookAnswer {
    return jsonAnswer(500, { error: { code: 'internal_error', message: `internal error; see the server log for request ${requestId}` } });
  }

  function logError(error: unknown, requestId: string): void {
    const err = error as Error;
    hub.logger.error({ err: { name: err.name, message: err.message, stack: err.stack }, requestId }, 'unhandled error');
  }

  /**
   * Counts and logs a delivery whose body never finished: what the hub knows of it, never its
   * bytes or headers. Before the integration is read, so under connector "unknown", and with the
   * id from the address only when it is one (it is otherwise whatever the client put there).
   */
  function reportAborted(req: IncomingMessage, path: string, requestId: string, aborted: BodyAborted): void {
    hub.metrics.webhooks.inc({ connector: 'unknown', outcome: 'aborted' });
    const integrationId = decodedSegment(path.slice(PREFIX.length));
    const cause = aborted.abortCause;
    abortLog.write(
      cause,
      {
        level: 'info',
        fields: { outcome: 'aborted', cause, ...(isUuidText(integrationId) ? { integrationId } : {}), bytesReceived: aborted.bytesReceived, requestId, remoteAddress: req.socket.remoteAddress },
        message: 'webhook delivery aborted before its body arrived',
      },
      {
        level: 'info',
        fields: { outcome: 'aborted', cause },
        message: `more webhook deliveries were aborted than are logged (${LOGGED_PER_WINDOW} a minute); all are counted in hub_webhooks_total`,
      },
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse, path: string, query: string): Promise<void> {
    const started = performance.now();
    const receivedAt = Date.now();
    const headers = headersOf(req);
    const requestId = requestIdFrom(headers['x-request-id']);
    let answer: WebhookAnswer;
    let close = false;
    try {
      const announced = Number(req.headers['content-length'] ?? 0);
      if (announced > BODY_LIMIT_BYTES) throw new BodyTooLarge();
      const request: WebhookRequest = {
        rawBody: await readBody(req, bodyTimeoutMs),
        headers,
        query: query === '' ? {} : Object.fromEntries(new URLSearchParams(query)),
        receivedAt,
      };
      answer = await ingest(decodedSegment(path.slice(PREFIX.length)), request);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        hub.metrics.httpRejected.inc({ reason: 'body_too_large' });
        // Refused before the integration is looked up: its connector is not known.
        hub.metrics.webhooks.inc({ connector: 'unknown', outcome: 'too_large' });
        answer = errorAnswer(TOO_LARGE);
        close = true;
      } else if (error instanceof BodyAborted) {
        reportAborted(req, path, requestId, error);
        // A sender that hung up has nobody left to answer; one that stalled may still read a 408.
        if (error.abortCause === 'hang_up' || !req.socket.writable) return;
        answer = errorAnswer(bodyTimedOut);
        close = true;
      } else if (isDatabaseUnavailable(error)) {
        // Not stored, for a reason that passes: the sender retries, as it does on any non-2xx.
        hub.logger.warn({ err: { name: (error as Error).name, message: (error as Error).message }, requestId }, 'database unavailable for a webhook delivery');
        const unavailable = jsonAnswer(503, DATABASE_UNAVAILABLE);
        answer = { ...unavailable, headers: { ...unavailable.headers, 'retry-after': String(RETRY_AFTER_SECONDS) } };
      } else {
        logError(error, requestId);
        answer = internalError(requestId);
      }
    }
    try {
      send(res, requestId, answer, close);
    } catch (error) {
      // A header value Node refuses (from a connector's own answer): say 500 rather than nothing.
      logError(error, requestId);
      answer = internalError(requestId);
      if (!res.headersSent) send(res, requestId, answer, true);
    }
    recordRequest(hub.logger, hub.metrics, { requestId, method: 'POST', path, route: WEBHOOK_ROUTE, status: answer.status, seconds: (performance.now() - started) / 1000 });
  }

  const listener: NodeRequestHandler = (req, res) => {
    const url = req.url ?? '';
    if (req.method !== 'POST' || !url.startsWith(PREFIX)) return false;
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    // Anything deeper than /hooks/<id> is not a hook address: Hono answers it (404).
    if (path.length === PREFIX.length || path.includes('/', PREFIX.length)) return false;
    handle(req, res, path, queryAt === -1 ? '' : url.slice(queryAt + 1)).catch((error: unknown) => {
      // Nothing above should throw; if something does, the process stays up and the socket goes.
      logError(error, 'unknown');
      res.destroy();
    });
    return true;
  };
  listener.stop = () => abortLog.stop();
  return listener;
}
