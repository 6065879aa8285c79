import { describe, expect, it } from 'vitest';
import { commonErrorReason, ERROR_BODY_PREFIX_BYTES, MAX_REASON_CHARS, upstreamReason, type ErrorReasonReader } from './upstream-reason.ts';

// What an upstream said when it refused a request, in a form fit for a one-line failure message.

function reasonOf(body: string | object, contentType = 'application/json', read: ErrorReasonReader = commonErrorReason, secrets: string[] = []): string | undefined {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return upstreamReason({ body: Buffer.from(text), contentType, read, secrets });
}

describe('commonErrorReason', () => {
  it("ServiceNow's envelope: error.message and error.detail", () => {
    expect(reasonOf({ error: { message: 'Operation Failed', detail: 'Data Policy Exception: Resolution code is mandatory' }, status: 'failure' })).toBe(
      'Operation Failed: Data Policy Exception: Resolution code is mandatory',
    );
    expect(reasonOf({ error: { message: 'Invalid table u_missing', detail: null }, status: 'failure' })).toBe('Invalid table u_missing');
    expect(reasonOf({ error: { message: '', detail: 'only a detail' } })).toBe('only a detail');
  });

  it('an OAuth error (RFC 6749 §5.2): the code and its description', () => {
    expect(reasonOf({ error: 'invalid_token', error_description: 'The access token expired' })).toBe('invalid_token: The access token expired');
    expect(reasonOf({ error: 'invalid_request' })).toBe('invalid_request');
  });

  it('a top-level message, and lists of messages', () => {
    expect(reasonOf({ message: 'Not allowed here' })).toBe('Not allowed here');
    expect(reasonOf({ errorMessages: ['Field summary is required.'], errors: { priority: 'Priority is not valid' } })).toBe(
      'Field summary is required.; priority: Priority is not valid',
    );
    expect(reasonOf({ errors: [{ message: 'first' }, { message: 'second' }] })).toBe('first; second');
  });

  it('plain text is the reason as it stands', () => {
    expect(reasonOf('Request entity too large', 'text/plain')).toBe('Request entity too large');
  });

  it('an HTML page, JSON without a known field, or nothing at all gives no reason', () => {
    expect(reasonOf('<html><body><h1>502 Bad Gateway</h1></body></html>', 'text/html')).toBeUndefined();
    expect(reasonOf('<!DOCTYPE html><html></html>', '')).toBeUndefined();
    expect(reasonOf({ result: [] })).toBeUndefined();
    expect(reasonOf('', 'application/json')).toBeUndefined();
    expect(reasonOf('   ', 'text/plain')).toBeUndefined();
  });
});

describe('upstreamReason', () => {
  it('is one line, with control characters and runs of spaces made single spaces', () => {
    expect(reasonOf({ error: { message: 'Operation Failed', detail: 'line one\r\nline two\t\u0000end   here' } })).toBe('Operation Failed: line one line two end here');
  });

  it(`is cut to ${MAX_REASON_CHARS} characters, the cut marked`, () => {
    const reason = reasonOf({ error: { message: 'x'.repeat(2000) } });
    expect(reason).toHaveLength(MAX_REASON_CHARS);
    expect(reason?.endsWith('…')).toBe(true);
  });

  it('never ends on half an emoji', () => {
    const reason = reasonOf({ message: `${'x'.repeat(MAX_REASON_CHARS - 2)}😀😀` }) ?? '';
    expect(reason.isWellFormed()).toBe(true);
  });

  it('reads only a bounded prefix: a JSON body past it gives no reason rather than a parse of a huge string', () => {
    const huge = JSON.stringify({ error: { message: 'big', detail: 'y'.repeat(ERROR_BODY_PREFIX_BYTES) } });
    expect(reasonOf(huge)).toBeUndefined();
    const text = `${'z'.repeat(ERROR_BODY_PREFIX_BYTES * 4)}`;
    expect(reasonOf(text, 'text/plain')).toHaveLength(MAX_REASON_CHARS);
  });

  it('removes the secrets it is given and anything that looks like a credential', () => {
    const reason = reasonOf({ error: { message: 'denied for Bearer abc.def.ghi', detail: 'password=canary-pw sent canary-known' } }, 'application/json', commonErrorReason, ['canary-known']);
    expect(reason).toBe('denied for Bearer [redacted]: password=[redacted] sent [redacted]');
  });

  it("uses the connector's own reader when it has one", () => {
    const read: ErrorReasonReader = ({ json }) => (json as { fault?: { text?: string } }).fault?.text;
    expect(reasonOf({ fault: { text: 'custom words' } }, 'application/json', read)).toBe('custom words');
  });

  it('a reader that throws gives no reason rather than hiding the status', () => {
    const read: ErrorReasonReader = () => {
      throw new Error('unexpected shape');
    };
    expect(reasonOf({ message: 'x' }, 'application/json', read)).toBeUndefined();
  });
});
