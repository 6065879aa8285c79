import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from './api-error.ts';
import { checkMetricsAccess } from './metrics-access.ts';

const token = 'scrape-token-0123456789';

describe('checkMetricsAccess', () => {
  it('lets every scrape through when no token is configured', () => {
    expect(() => checkMetricsAccess(undefined, undefined)).not.toThrow();
  });

  it('lets through the configured bearer token, whatever the scheme case', () => {
    expect(() => checkMetricsAccess(token, `Bearer ${token}`)).not.toThrow();
    expect(() => checkMetricsAccess(token, `bearer ${token}`)).not.toThrow();
  });

  it('refuses a missing, wrong, longer or differently sent token with 401', () => {
    for (const authorization of [undefined, '', `Bearer ${token}x`, `Bearer ${token.slice(1)}`, `Basic ${token}`, token, `Bearer ${token} extra`]) {
      expect(() => checkMetricsAccess(token, authorization)).toThrow(UnauthorizedError);
    }
  });
});
