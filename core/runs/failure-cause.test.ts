import { describe, expect, it } from 'vitest';
import { endsFailureChain } from './failure-cause.ts';

describe('endsFailureChain', () => {
  const failure = (cause: unknown) => ({ source: 'system', payload: { code: 'auth_invalid', cause } });

  it('stops the failure of a route action that was handling a failure', () => {
    expect(endsFailureChain(failure({ routeId: 'r', eventId: 'e', eventType: 'failure.auth_invalid' }))).toBe(true);
  });

  it('routes other failures: of polls, of actions routed from ordinary events, recorded before causes were', () => {
    expect(endsFailureChain(failure(null))).toBe(false);
    expect(endsFailureChain(failure({ routeId: 'r', eventId: 'e', eventType: 'incident.created' }))).toBe(false);
    expect(endsFailureChain(failure({ routeId: 'r', eventId: 'e', eventType: null }))).toBe(false);
    expect(endsFailureChain({ source: 'system', payload: { code: 'auth_invalid' } })).toBe(false);
  });

  it('never stops an event from upstream, whatever its payload says', () => {
    expect(endsFailureChain({ source: 'webhook', payload: { cause: { eventType: 'failure.x' } } })).toBe(false);
  });
});
