import { createBreakerRegistry, type BreakerRegistry } from './breaker-registry.ts';
import { createHttpClient, type CreateHttpClientOptions } from './http-client.ts';
import type { HttpClient } from './http.types.ts';
import { recordingLogger } from './scripted-server.testing.ts';

// Test-only: an HttpClient whose waits are recorded instead of slept, with its own breakers.

export interface TestClient {
  client: HttpClient;
  /** Every wait between attempts, in ms. */
  waits: number[];
  logger: ReturnType<typeof recordingLogger>;
  breakers: BreakerRegistry;
}

export function testClient(baseUrl: string, overrides: Partial<CreateHttpClientOptions> = {}, breakers?: BreakerRegistry): TestClient {
  const waits: number[] = [];
  const logger = recordingLogger();
  const registry = breakers ?? createBreakerRegistry();
  const client = createHttpClient(
    {
      baseUrl,
      breakerKey: 'integration-under-test',
      logger,
      random: () => 0.5,
      sleep: async (ms) => {
        waits.push(ms);
      },
      ...overrides,
    },
    registry,
  );
  return { client, waits, logger, breakers: registry };
}
