import { describe, expect, it } from 'vitest';
import { classifyTokenError } from './oauth2-token-error.ts';

// README (ServiceNow, "Failure codes") and runbooks/auth_invalid.md: a token endpoint that refuses
// the client id and secret (invalid_client) is auth_invalid under any grant; auth_expired is for a
// refused refresh token, which a person must authorise again.
function boom(status: number, error: string) {
  return { isBoom: true, output: { statusCode: status }, data: { res: { statusCode: status, headers: {} }, payload: { error } } };
}

describe('token endpoint refusals under the refresh_token grant', () => {
  it('classifies a refused client secret (401 invalid_client) as auth_invalid', () => {
    const error = classifyTokenError(boom(401, 'invalid_client'), 'https://dev.service-now.com/oauth_token.do', () => new Date(), 'refresh_token');
    expect(error.code).toBe('auth_invalid');
  });

  it('still classifies a refused refresh token (400 invalid_grant) as auth_expired', () => {
    const error = classifyTokenError(boom(400, 'invalid_grant'), 'https://dev.service-now.com/oauth_token.do', () => new Date(), 'refresh_token');
    expect(error.code).toBe('auth_expired');
  });
});
