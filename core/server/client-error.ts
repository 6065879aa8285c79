import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

// Requests Node refuses before any handler sees them (a request line and headers past its 16 KB,
// malformed HTTP, headers that never finish, an HTTP/1.1 request without Host) would get Node's
// bare status line: answered here in the hub's error shape instead, with an X-Request-Id, as every
// other answer is.

const REFUSALS: Record<string, { status: number; code: string; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, code: 'request_header_too_large', message: 'the request line and headers exceed 16 KB: send long filters in fewer or shorter query parameters' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'request_timeout', message: 'the request headers did not arrive in time' },
};
const MALFORMED = { status: 400, code: 'bad_request', message: 'the request is not well-formed HTTP' };

/** A `clientError` listener for Node's HTTP server. */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // Gone already: nobody to answer.
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const refusal = REFUSALS[error.code ?? ''] ?? MALFORMED;
  const body = JSON.stringify({ error: { code: refusal.code, message: refusal.message } });
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${randomUUID()}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Answers an HTTP/1.1 request that names no Host (RFC 9112 §3.2 makes it a 400) and says so, for
 * a server created with `requireHostHeader: false`, which lets such requests through to here.
 */
export function answeredMissingHost(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.headers.host !== undefined || req.httpVersion !== '1.1') return false;
  const body = JSON.stringify({ error: { code: MALFORMED.code, message: 'an HTTP/1.1 request needs a Host header' } });
  res.writeHead(400, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'X-Request-Id': randomUUID(), Connection: 'close' });
  res.end(body);
  return true;
}
