import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Refusal, RefusalReport } from './refusal-report.ts';

// Requests Node refuses before any handler sees them (a request line and headers past its 16 KB,
// malformed HTTP, a request that never finishes, an HTTP/1.1 request without Host) would get Node's
// bare status line: answered here in the hub's error shape instead, with an X-Request-Id, as every
// other answer is, and reported (logged and counted) since no request log line or histogram
// sample will show them.

const REFUSALS: Record<string, Refusal> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'request_header_too_large',
    reason: 'header_too_large',
    level: 'warn',
    message: 'the request line and headers exceed 16 KB: send long filters in fewer or shorter query parameters',
  },
  // Slow or stalled clients and connections opened ahead of use: routine on any network.
  // Node's headersTimeout and requestTimeout alike: the headers, or the whole body of a request
  // outside /hooks/ (whose listener times bodies out itself), did not arrive in time.
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'request_timeout', reason: 'request_timeout', level: 'info', message: 'the request did not arrive in time (its headers or its body)' },
};
const MALFORMED: Refusal = { status: 400, code: 'bad_request', reason: 'malformed', level: 'warn', message: 'the request is not well-formed HTTP' };
const MISSING_HOST: Refusal = { status: 400, code: 'bad_request', reason: 'missing_host', level: 'warn', message: 'an HTTP/1.1 request needs a Host header' };

/** A `clientError` listener for Node's HTTP server. */
export function answerClientError(error: Error & { code?: string }, socket: Duplex, report?: RefusalReport): void {
  // Gone already: nobody to answer, and nothing worth a line (a client that hung up, mid-request
  // too: HPE_INVALID_EOF_STATE is a close before the message ended, not malformed HTTP; a handler
  // reading the body sees the hang-up and reports it as it sees fit).
  if (error.code === 'ECONNRESET' || error.code === 'HPE_INVALID_EOF_STATE' || !socket.writable) {
    socket.destroy();
    return;
  }
  const refusal = REFUSALS[error.code ?? ''] ?? MALFORMED;
  const requestId = randomUUID();
  // Only Node's code: the error also carries the bytes it could not parse (rawPacket).
  report?.refused(refusal, { requestId, remoteAddress: remoteAddressOf(socket), parserError: error.code });
  const body = JSON.stringify({ error: { code: refusal.code, message: refusal.message } });
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Answers an HTTP/1.1 request that names no Host (RFC 9112 §3.2 makes it a 400) and says so, for
 * a server created with `requireHostHeader: false`, which lets such requests through to here.
 */
export function answeredMissingHost(req: IncomingMessage, res: ServerResponse, report?: RefusalReport): boolean {
  if (req.headers.host !== undefined || req.httpVersion !== '1.1') return false;
  const requestId = randomUUID();
  report?.refused(MISSING_HOST, { requestId, remoteAddress: req.socket.remoteAddress });
  const body = JSON.stringify({ error: { code: MISSING_HOST.code, message: MISSING_HOST.message } });
  res.writeHead(MISSING_HOST.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'X-Request-Id': requestId, Connection: 'close' });
  res.end(body);
  return true;
}

/** The peer of the socket Node hands a `clientError` listener (a net.Socket, typed as a Duplex). */
function remoteAddressOf(socket: Duplex): string | undefined {
  const address = (socket as Duplex & { remoteAddress?: unknown }).remoteAddress;
  return typeof address === 'string' ? address : undefined;
}
