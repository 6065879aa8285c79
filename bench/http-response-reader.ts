// Reads HTTP/1.1 responses off a keep-alive connection, one at a time, from raw socket bytes: the
// paced load generator's answer to node:http's client, whose per-request objects, parser callbacks
// and garbage cost as much CPU as the servers under test spend, on the cores they share. Handles
// what the servers here send: Content-Length or chunked bodies without trailers.

export interface HttpResponse {
  status: number;
  body: string;
  /** The server said it will close the connection after this response. */
  close: boolean;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

type Framing = { kind: 'length'; remaining: number } | { kind: 'chunked' };

export class HttpResponseReader {
  private buffer: Buffer = Buffer.alloc(0);
  private head: { status: number; close: boolean; framing: Framing } | undefined;
  private bodyParts: Buffer[] = [];

  /** Feeds received bytes; returns the responses they complete (usually none or one). */
  push(bytes: Buffer): HttpResponse[] {
    this.buffer = this.buffer.length === 0 ? bytes : Buffer.concat([this.buffer, bytes]);
    const done: HttpResponse[] = [];
    for (;;) {
      const response = this.next();
      if (!response) return done;
      done.push(response);
    }
  }

  private next(): HttpResponse | undefined {
    if (!this.head) {
      const end = this.buffer.indexOf(HEADER_END);
      if (end === -1) return undefined;
      this.head = parseHead(this.buffer.subarray(0, end).toString('latin1'));
      this.buffer = this.buffer.subarray(end + HEADER_END.length);
    }
    const { framing } = this.head;
    if (framing.kind === 'length') {
      const take = Math.min(framing.remaining, this.buffer.length);
      this.bodyParts.push(this.buffer.subarray(0, take));
      this.buffer = this.buffer.subarray(take);
      framing.remaining -= take;
      if (framing.remaining > 0) return undefined;
      return this.finish();
    }
    // Chunked: size line, data, CRLF; a zero-size chunk followed by CRLF ends the body.
    for (;;) {
      const lineEnd = this.buffer.indexOf(CRLF);
      if (lineEnd === -1) return undefined;
      const size = Number.parseInt(this.buffer.subarray(0, lineEnd).toString('latin1'), 16);
      if (!Number.isFinite(size) || size < 0) throw new Error('malformed chunk size');
      const needed = lineEnd + CRLF.length + size + CRLF.length;
      if (this.buffer.length < needed) return undefined;
      if (size > 0) this.bodyParts.push(this.buffer.subarray(lineEnd + CRLF.length, lineEnd + CRLF.length + size));
      this.buffer = this.buffer.subarray(needed);
      if (size === 0) return this.finish();
    }
  }

  private finish(): HttpResponse {
    const head = this.head!;
    const body = this.bodyParts.length === 0 ? '' : Buffer.concat(this.bodyParts).toString('utf8');
    this.head = undefined;
    this.bodyParts = [];
    return { status: head.status, body, close: head.close };
  }
}

function parseHead(head: string): { status: number; close: boolean; framing: Framing } {
  const lines = head.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!status) throw new Error(`not an HTTP/1.x status line: ${lines[0]}`);
  let length: number | undefined;
  let chunked = false;
  let close = false;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim().toLowerCase();
    if (name === 'content-length') length = Number(value);
    else if (name === 'transfer-encoding') chunked = value.split(',').map((part) => part.trim()).includes('chunked');
    else if (name === 'connection') close = value.split(',').some((option) => option.trim() === 'close');
  }
  const code = Number(status[1]);
  // These never have a body, whatever their headers say.
  if (code < 200 || code === 204 || code === 304) return { status: code, close, framing: { kind: 'length', remaining: 0 } };
  if (chunked) return { status: code, close, framing: { kind: 'chunked' } };
  if (length === undefined || !Number.isInteger(length) || length < 0) throw new Error('response without Content-Length or chunked framing');
  return { status: code, close, framing: { kind: 'length', remaining: length } };
}
