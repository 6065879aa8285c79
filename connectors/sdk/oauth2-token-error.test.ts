import { describe, expect, it } from 'vitest';
import { classifyTokenError } from './oauth2-token-error.ts';
import { UpstreamAddressRefused } from './upstream-address-guard.ts';

// README (ServiceNow, "Failure codes") and runbooks/auth_invalid.md: a token endpoint that refuses
// the client id and secret (invalid_client) is auth_invalid under any grant; auth_expired is for a
// refused refresh token, which a person must authorise again.
function boom(status: number, error: string, payload: unknown = { error }, headers: Record<string, string> = {}) {
  return { isBoom: true, output: { statusCode: status }, data: { res: { statusCode: status, headers }, payload } };
}

const facts = (grant: 'refresh_token' | 'password', secrets: string[] = []) => ({
  tokenUrl: 'https://dev.service-now.com/oauth_token.do',
  grant,
  now: () => new Date(),
  secrets,
  maxBytes: 1024 * 1024,
});

describe('token endpoint refusals under the refresh_token grant', () => {
  it('classifies a refused client secret (401 invalid_client) as auth_invalid', () => {
    const error = classifyTokenError(boom(401, 'invalid_client'), facts('refresh_token'));
    expect(error.code).toBe('auth_invalid');
  });

  it('still classifies a refused refresh token (400 invalid_grant) as auth_expired', () => {
    const error = classifyTokenError(boom(400, 'invalid_grant'), facts('refresh_token'));
    expect(error.code).toBe('auth_expired');
  });
});

describe("the token endpoint's error_description", () => {
  it('ends the message, rid of the secrets the request carried', () => {
    const payload = { error: 'invalid_grant', error_description: 'password hunter2-canary is wrong for svc-grc' };
    const error = classifyTokenError(boom(400, 'invalid_grant', payload), facts('password', ['hunter2-canary']));
    expect(error.message).toBe('POST /oauth_token.do answered 400 (invalid_grant): the password grant was refused: password [redacted] is wrong for svc-grc');
  });

  it('adds nothing for a body that claims to be JSON and does not parse (Wreck keeps its bytes)', () => {
    // Wreck answers a body that claims JSON but does not parse with the bytes as the payload.
    const error = classifyTokenError(boom(401, 'invalid_client', Buffer.from('{"error":"invalid_client", "error_desc'), { 'content-type': 'application/json' }), facts('password'));
    expect(error.message).toBe('POST /oauth_token.do answered 401: the password grant was refused');
  });

  it('is preceded by the error code when the code is not one the message names', () => {
    const payload = { error: 'Client Locked!', error_description: 'too many attempts' };
    const error = classifyTokenError(boom(401, '', payload), facts('password'));
    expect(error.message).toBe('POST /oauth_token.do answered 401: the password grant was refused: Client Locked!: too many attempts');
  });
});

describe('failures of the token request that are not an answer', () => {
  it('classifies a body wreck stopped reading at maxBytes as the oversized-body failure, with the status', () => {
    // Wreck destroys the response at the limit; Node reports that as an abort before wreck's own
    // Boom.entityTooLarge is heard, and wreck's shortcut adds the response as `data.res`.
    const closed = { isBoom: true, output: { statusCode: 500 }, data: { res: { statusCode: 400, headers: {}, socket: { bytesRead: 1024 * 1024 + 9000 } } } };
    const tooLarge = { isBoom: true, output: { statusCode: 413 }, data: { res: { statusCode: 200, headers: {} } } };
    for (const [stopped, status] of [[closed, 400], [tooLarge, 200]] as const) {
      const error = classifyTokenError(stopped, facts('password'));
      expect(error).toMatchObject({ code: 'upstream_bad_response', status });
      expect(error.message).toMatch(/^POST \/oauth_token\.do answered with a body over 1 MB, the most the hub reads; the download was stopped/);
    }
  });

  it('does not take a body cut short by the endpoint, before the limit, for an oversized one', () => {
    const cut = { isBoom: true, output: { statusCode: 500 }, data: { res: { statusCode: 400, headers: {}, socket: { bytesRead: 131_274 } } } };
    expect(classifyTokenError(cut, facts('password')).message).not.toContain('body over');
  });

  it('still classifies a 413 the endpoint answered as that status', () => {
    const answered = { isBoom: true, output: { statusCode: 413 }, data: { isResponseError: true, res: { statusCode: 413, headers: {} }, payload: null } };
    expect(classifyTokenError(answered, facts('password'))).toMatchObject({ code: 'config_invalid', status: 413 });
  });

  it('classifies a connection the address policy refused (wreck boomifies it in place) as config_invalid, not sent', () => {
    const refused = new UpstreamAddressRefused('dev.service-now.com', 'Client request error: dev.service-now.com resolves to 169.254.169.254, a link-local address');
    Object.assign(refused, { isBoom: true, output: { statusCode: 502 }, data: null });
    const error = classifyTokenError(refused, facts('password'));
    expect(error).toMatchObject({ code: 'config_invalid', notSent: true });
    expect(error.message).toBe('POST /oauth_token.do was not sent: dev.service-now.com resolves to 169.254.169.254, a link-local address');
  });
});
