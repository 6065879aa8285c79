import { afterEach, describe, expect, it } from 'vitest';
import { createBreakerRegistry, type BreakerRegistry } from '../../connectors/sdk/breaker-registry.ts';
import { ConnectorError, type FailureCode } from '../../connectors/sdk/failure.ts';

// circuit_open.md and upstream_unavailable.md tell operators that throttled answers count as calls
// that did not fail, so a poll retried through 429s and then 500s need not open the breaker. This
// holds the breaker to that (defaults: 10 calls, more than half failed, within 60 s).

describe('what the breaker counts, as the runbooks describe it', () => {
  let breakers: BreakerRegistry | undefined;
  afterEach(() => breakers?.shutdown());

  async function fail(registry: BreakerRegistry, code: FailureCode, times: number): Promise<void> {
    for (let i = 0; i < times; i++) {
      await registry.run('integration', () => Promise.reject(new ConnectorError(code, `GET /api/now/table/incident answered ${code}`))).catch(() => undefined);
    }
  }

  it('stays closed while 429s outnumber the server errors, and opens once the errors are more than half', async () => {
    breakers = createBreakerRegistry();
    await fail(breakers, 'rate_limited', 12);
    await fail(breakers, 'upstream_unavailable', 12);
    expect(breakers.state('integration')).toBe('closed');
    await fail(breakers, 'upstream_unavailable', 1);
    expect(breakers.state('integration')).toBe('open');
  });

  it('opens on server errors alone after 10 calls', async () => {
    breakers = createBreakerRegistry();
    await fail(breakers, 'upstream_unavailable', 9);
    expect(breakers.state('integration')).toBe('closed');
    await fail(breakers, 'upstream_unavailable', 1);
    expect(breakers.state('integration')).toBe('open');
  });
});
