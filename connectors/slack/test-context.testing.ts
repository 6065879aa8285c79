import { createServer } from 'node:http';
import { startFakeSlack, type FakeSlack, type FakeSlackOptions } from '../../test-support/fake-slack/index.ts';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import { createBreakerRegistry, type BreakerRegistry } from '../sdk/breaker-registry.ts';
import { createHttpClient } from '../sdk/http-client.ts';
import { recordingLogger } from '../sdk/scripted-server.testing.ts';
import { SlackConfig, SlackCredentials } from './config.ts';
import type { SlackContext } from './slack-api.ts';

// Test-only: a Slack connector context on the real HTTP client (its retry waits recorded, not
// slept), and a Web API that takes a request but loses the answer.

export interface SlackTestContext {
  ctx: SlackContext;
  logger: ReturnType<typeof recordingLogger>;
  /** Every wait between the HTTP client's own retries, in ms. */
  waits: number[];
  breakers: BreakerRegistry;
}

let contexts = 0;

export interface SlackTestContextOptions {
  botToken?: string;
  signingSecret?: string;
  config?: Partial<z.input<typeof SlackConfig>>;
}

/** A fresh integration id each time, so Bolt apps and profile caches are not shared between tests. */
export function slackTestContext(apiUrl: string, options: SlackTestContextOptions = {}): SlackTestContext {
  const config = SlackConfig.parse({ slackApiUrl: apiUrl, ...options.config });
  const credentials = SlackCredentials.parse({ botToken: options.botToken ?? 'xoxb-test-token', signingSecret: options.signingSecret ?? 's'.repeat(32) });
  const logger = recordingLogger();
  const waits: number[] = [];
  const breakers = createBreakerRegistry();
  const integrationId = `slack-test-${++contexts}`;
  const http = createHttpClient(
    {
      baseUrl: apiUrl,
      breakerKey: integrationId,
      logger,
      random: () => 0.5,
      sleep: async (ms) => {
        waits.push(ms);
      },
    },
    breakers,
  );
  const ctx: SlackContext = {
    integrationId,
    tenantId: 'tenant-test',
    environment: 'staging',
    config,
    credentials,
    http,
    logger,
    clock: () => new Date(),
    signal: new AbortController().signal,
  };
  return { ctx, logger, waits, breakers };
}

export interface AnswerLosingSlack {
  /** Ends with `/api/`, like Slack's. */
  apiUrl: string;
  /** Every request as received: Web API method and JSON body. */
  received: Array<{ method: string; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

/**
 * A Web API that reads the first `lose` requests (of `method`, when given) in full — Slack took
 * them — then drops the connection before answering; other requests get `{ ok: true }` with a
 * channel and a ts.
 */
export async function startAnswerLosingSlack(lose = 1, method?: string): Promise<AnswerLosingSlack> {
  const received: AnswerLosingSlack['received'] = [];
  let lost = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      const called = (request.url ?? '').replace(/^\/api\//, '');
      received.push({ method: called, body });
      if (lost < lose && (method === undefined || called === method)) {
        lost += 1;
        return request.socket.destroy();
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ok: true, channel: body['channel'] ?? 'C0001', ts: `1714557731.00010${received.length}`, team: 'Fake', user: 'hub' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Clean-ups a test file runs after each test, newest first. */
export type Closers = Array<() => Promise<void> | void>;

/** A fake Slack (its workspace as `options` say) and a context on it with its bot token; both go with the test's `closers`. */
export async function fakeSlackContext(closers: Closers, options: FakeSlackOptions = {}): Promise<{ fake: FakeSlack; test: SlackTestContext }> {
  const fake = await startFakeSlack(options);
  closers.push(() => fake.close());
  const test = slackTestContext(fake.apiUrl, { botToken: fake.botToken });
  closers.push(() => test.breakers.shutdown());
  return { fake, test };
}
