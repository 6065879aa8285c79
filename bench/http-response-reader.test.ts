import { describe, expect, it } from 'vitest';
import { HttpResponseReader } from './http-response-reader.ts';

const hub = 'HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\nContent-Length: 18\r\n\r\n{"eventIds":["a"]}';
const bare = 'HTTP/1.1 202 Accepted\r\nDate: Mon, 23 Nov 2026 14:55:53 GMT\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n';

describe('HTTP response reader', () => {
  it('reads a Content-Length response and a chunked one', () => {
    const reader = new HttpResponseReader();
    expect(reader.push(Buffer.from(hub))).toEqual([{ status: 202, body: '{"eventIds":["a"]}', close: false }]);
    expect(reader.push(Buffer.from(bare))).toEqual([{ status: 202, body: '', close: false }]);
  });

  it('waits for bytes split anywhere, even one at a time', () => {
    const reader = new HttpResponseReader();
    const bytes = Buffer.from(hub + bare);
    const responses = [];
    for (let index = 0; index < bytes.length; index++) responses.push(...reader.push(bytes.subarray(index, index + 1)));
    expect(responses.map((response) => response.body)).toEqual(['{"eventIds":["a"]}', '']);
  });

  it('joins the chunks of a chunked body and reads two responses from one read', () => {
    const chunked = 'HTTP/1.1 500 Internal Server Error\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n3\r\nabc\r\na\r\n0123456789\r\n0\r\n\r\n';
    expect(new HttpResponseReader().push(Buffer.from(chunked + hub))).toEqual([
      { status: 500, body: 'abc0123456789', close: true },
      { status: 202, body: '{"eventIds":["a"]}', close: false },
    ]);
  });

  it('reads 204 and 304 answers as bodiless, and hears close in a Connection list', () => {
    const reader = new HttpResponseReader();
    expect(reader.push(Buffer.from('HTTP/1.1 204 No Content\r\nConnection: close, TE\r\n\r\n'))).toEqual([{ status: 204, body: '', close: true }]);
    expect(reader.push(Buffer.from('HTTP/1.1 304 Not Modified\r\n\r\n' + hub))).toEqual([
      { status: 304, body: '', close: false },
      { status: 202, body: '{"eventIds":["a"]}', close: false },
    ]);
  });

  it('refuses responses it cannot frame', () => {
    expect(() => new HttpResponseReader().push(Buffer.from('HTTP/1.1 200 OK\r\n\r\nbody'))).toThrow(/Content-Length or chunked/);
    expect(() => new HttpResponseReader().push(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow(/status line/);
  });
});
