import { describe, expect, it } from 'vitest';
import { codeForStatus, describeRequest, errorForNetworkFailure, errorForResponse } from './classify-error.ts';
import { ConnectorError } from './failure.ts';

const url = 'https://acme.service-now.com/api/now/table/incident?sysparm_query=secret%3Dcanary&sysparm_limit=100';

describe('codeForStatus', () => {
  it.each([
    [401, 'auth_invalid'],
    [403, 'permission_denied'],
    [429, 'rate_limited'],
    [500, 'upstream_unavailable'],
    [502, 'upstream_unavailable'],
    [503, 'upstream_unavailable'],
    [504, 'upstream_unavailable'],
    [410, 'cursor_expired'],
    [400, 'config_invalid'],
    [404, 'config_invalid'],
    [405, 'config_invalid'],
    [408, 'upstream_unavailable'],
    [409, 'config_invalid'],
    [422, 'config_invalid'],
    // Content Too Large / URI Too Long (RFC 9110 §15.5.14-15): the same request is refused again
    // until a person sends less (a smaller file, a shorter query).
    [413, 'config_invalid'],
    [414, 'config_invalid'],
    [418, 'upstream_bad_response'],
    [501, 'upstream_bad_response'],
    [599, 'upstream_bad_response'],
  ] as const)('%i → %s', (status, code) => {
    expect(codeForStatus(status)).toBe(code);
  });

  it('has no code for success and redirects', () => {
    for (const status of [200, 201, 204, 301, 304]) expect(codeForStatus(status)).toBeUndefined();
  });
});

describe('errorForResponse', () => {
  it('names method, path and status, never the query string', () => {
    const error = errorForResponse({ method: 'get', url, status: 401 });
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error?.message).toBe('GET /api/now/table/incident answered 401');
    expect(error?.status).toBe(401);
    expect(error?.message).not.toContain('canary');
  });

  it("adds the upstream's own reason after the status", () => {
    const error = errorForResponse({ method: 'PATCH', url, status: 403, reason: 'Operation Failed: ACL Exception Update Failed due to security constraints' });
    expect(error?.message).toBe('PATCH /api/now/table/incident answered 403: Operation Failed: ACL Exception Update Failed due to security constraints');
    expect(error).toMatchObject({ code: 'permission_denied', status: 403 });
  });

  it('carries Retry-After for 429 and 503', () => {
    expect(errorForResponse({ method: 'GET', url, status: 429, retryAfterMs: 2000 })?.retryAfterMs).toBe(2000);
    const unavailable = errorForResponse({ method: 'GET', url, status: 503, retryAfterMs: 5000 });
    expect(unavailable?.code).toBe('upstream_unavailable');
    expect(unavailable?.retryAfterMs).toBe(5000);
  });

  it('ignores Retry-After on other statuses', () => {
    expect(errorForResponse({ method: 'GET', url, status: 500, retryAfterMs: 2000 })?.retryAfterMs).toBeUndefined();
  });

  it('returns nothing for a success', () => {
    expect(errorForResponse({ method: 'GET', url, status: 200 })).toBeUndefined();
  });

  it('marks transient codes', () => {
    expect(errorForResponse({ method: 'GET', url, status: 503 })?.transient).toBe(true);
    expect(errorForResponse({ method: 'GET', url, status: 404 })?.transient).toBe(false);
  });
});

describe('errorForNetworkFailure', () => {
  it.each(['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'EAI_AGAIN', 'ETIMEDOUT'])('%s → network_error naming host and code', (code) => {
    const error = errorForNetworkFailure({ method: 'GET', url, error: Object.assign(new Error(`connect ${code} ${url}`), { code }) });
    expect(error.code).toBe('network_error');
    expect(error.message).toBe(`GET acme.service-now.com/api/now/table/incident failed: ${code}`);
    expect(error.transient).toBe(true);
  });

  it.each([
    ['ECONNREFUSED', true],
    ['ENOTFOUND', true],
    ['EAI_AGAIN', true],
    ['ECONNRESET', false],
    ['ETIMEDOUT', false],
    ['EPIPE', false],
  ])('%s: the request never reached the upstream: %s', (code, notSent) => {
    // Only failures before a connection exists prove it; after a reset or a timeout the upstream may have acted.
    expect(errorForNetworkFailure({ method: 'POST', url, error: Object.assign(new Error(code), { code }) }).notSent).toBe(notSent);
  });

  it('an answer Node could not parse (headers over 16 KB) is a bad response, not tried again', () => {
    const overflow = Object.assign(new Error('Header overflow'), { code: 'HPE_HEADER_OVERFLOW' });
    const error = errorForNetworkFailure({ method: 'GET', url, error: overflow });
    expect(error).toMatchObject({ code: 'upstream_bad_response', transient: false });
    expect(error.message).toBe('GET acme.service-now.com/api/now/table/incident failed: HPE_HEADER_OVERFLOW: the answer could not be read (headers over 16 KB, or malformed)');
  });

  it('reports timeouts', () => {
    const timeout = Object.assign(new Error('Timeout awaiting request'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
    expect(errorForNetworkFailure({ method: 'GET', url, error: timeout }).message).toContain('timed out');
  });

  it('never copies the library message, which may hold the full URL', () => {
    const error = errorForNetworkFailure({ method: 'GET', url, error: new Error(`socket hang up at ${url}`) });
    expect(error.message).toBe('GET acme.service-now.com/api/now/table/incident failed: network failure');
    expect(error.cause).toBeUndefined();
  });
});

describe('describeRequest', () => {
  it('drops the query string', () => {
    expect(describeRequest('post', url)).toBe('POST /api/now/table/incident');
  });
});
