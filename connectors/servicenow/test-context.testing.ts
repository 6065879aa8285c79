import { afterEach } from 'vitest';
import type { z } from 'zod';
import { startFakeServiceNow, type FakeServiceNow, type FakeServiceNowOptions, type LoggedRequest } from '../../test-support/fake-servicenow/index.ts';
import { createBreakerRegistry, type BreakerRegistry } from '../sdk/breaker-registry.ts';
import type { ConnectorContext, ConnectorLogger, PollMode, PollPage } from '../sdk/connector.types.ts';
import { createHttpClient } from '../sdk/http-client.ts';
import { servicenow } from './connector.ts';
import { ServiceNowConfig, ServiceNowCredentials } from './config.ts';

// Test-only: a ServiceNow connector context on the real HTTP client against the fake instance,
// with recorded (not slept) retry waits and breakers of its own.

export interface TestContext {
  ctx: ConnectorContext<ServiceNowConfig, ServiceNowCredentials>;
  /** Every wait between retries, in ms. */
  waits: number[];
  breakers: BreakerRegistry;
}

let clients = 0;
const silent: ConnectorLogger = { debug() {}, info() {}, warn() {}, error() {} };

export interface TestContextOptions {
  config?: Partial<z.input<typeof ServiceNowConfig>>;
  credentials?: z.input<typeof ServiceNowCredentials>;
  clock?: () => Date;
}

/** A context on `instance`: the fake, or any server standing in for an instance. */
export function testContext(instance: { url: string }, options: TestContextOptions = {}): TestContext {
  const config = ServiceNowConfig.parse({ instanceUrl: instance.url, ...options.config });
  const credentials = ServiceNowCredentials.parse(options.credentials ?? { auth: { type: 'basic', username: 'svc-grc', password: 'secret' } });
  const clock = options.clock ?? (() => new Date());
  const waits: number[] = [];
  const breakers = createBreakerRegistry();
  const oauth2 = servicenow.oauth2;
  const http = createHttpClient(
    {
      baseUrl: servicenow.baseUrl(config),
      auth: credentials.auth,
      ...(oauth2 ? { oauth2: { tokenUrl: oauth2.tokenUrl(config), authorizationMethod: oauth2.authorizationMethod, bodyFormat: oauth2.bodyFormat ?? 'form' } } : {}),
      breakerKey: `servicenow-test-${++clients}`,
      logger: silent,
      clock,
      random: () => 0.5,
      sleep: async (ms) => {
        waits.push(ms);
      },
    },
    breakers,
  );
  const ctx = {
    integrationId: 'int-servicenow-test',
    tenantId: 'tenant-test',
    environment: 'staging' as const,
    config,
    credentials,
    http,
    logger: silent,
    clock,
    signal: new AbortController().signal,
  };
  return { ctx, waits, breakers };
}

export async function collectPages(iterable: AsyncIterable<PollPage<unknown>>): Promise<PollPage<unknown>[]> {
  const pages: PollPage<unknown>[] = [];
  for await (const page of iterable) pages.push(page);
  return pages;
}

/** Polls a stream once, returning the delivered sys_ids and the last cursor (the input one if no page). */
export async function pollOnce(context: TestContext, stream: string, cursor: unknown, mode: PollMode = 'incremental') {
  const definition = servicenow.streams[stream];
  if (!definition) throw new Error(`no stream ${stream}`);
  const pages = await collectPages(definition.poll(context.ctx, cursor, mode));
  return {
    pages,
    ids: pages.flatMap((page) => page.records.map((record) => record.externalId)),
    cursor: pages.at(-1)?.cursor ?? cursor,
  };
}

/** 2024-05-01 at `time` ('HH:mm:ss'), UTC. */
export function at(time: string): Date {
  return new Date(`2024-05-01T${time}Z`);
}

/** A fake instance whose clock the test sets, so many records can share one second. */
export async function startFakeAt(time: string): Promise<{ fake: FakeServiceNow; setClock: (time: string) => void }> {
  let now = at(time);
  const fake = await startFakeServiceNow({ clock: () => now });
  return { fake, setClock: (next) => void (now = at(next)) };
}

/** The once-per-run read that proves query dates are read as UTC (query-time-zone.ts), not a page. */
export function isTimeZoneProbe(request: LoggedRequest): boolean {
  return (request.query['sysparm_query'] ?? '').startsWith('sys_id=');
}

/** The page reads among the fake's requests. */
export function pageReads(fake: FakeServiceNow): LoggedRequest[] {
  return fake.requests.filter((request) => !isTimeZoneProbe(request));
}

export interface PerTestServiceNow {
  start(options?: FakeServiceNowOptions): Promise<FakeServiceNow>;
  startAt(time: string): ReturnType<typeof startFakeAt>;
  context(instance: { url: string }, options?: TestContextOptions): TestContext;
}

/**
 * Called once at the top of a test file: the fake instances and contexts made through what it
 * returns are closed after each test, so no breaker timer or listening port outlives its test.
 */
export function perTestServiceNow(): PerTestServiceNow {
  const fakes: FakeServiceNow[] = [];
  const contexts: TestContext[] = [];
  afterEach(async () => {
    for (const context of contexts.splice(0)) context.breakers.shutdown();
    for (const fake of fakes.splice(0)) await fake.close();
  });
  return {
    async start(options) {
      const fake = await startFakeServiceNow(options);
      fakes.push(fake);
      return fake;
    },
    async startAt(time) {
      const started = await startFakeAt(time);
      fakes.push(started.fake);
      return started;
    },
    context(instance, options) {
      const context = testContext(instance, options);
      contexts.push(context);
      return context;
    },
  };
}
