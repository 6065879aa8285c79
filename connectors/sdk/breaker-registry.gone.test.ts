import { afterEach, describe, expect, it } from 'vitest';
import { createBreakerRegistry, type BreakerRegistry } from './breaker-registry.ts';
import { ConnectorError } from './failure.ts';

// A breaker per integration ever called would stay for the life of the process: the breakers of
// integrations that are gone are dropped, those of live ones keep their state and statistics.

let registry: BreakerRegistry | undefined;
afterEach(() => {
  registry?.shutdown();
  registry = undefined;
});

const unavailable = (): Promise<never> => Promise.reject(new ConnectorError('upstream_unavailable', 'GET /x answered 503', { status: 503 }));
const ok = async (): Promise<string> => 'ok';
const settle = (promise: Promise<unknown>) => promise.catch(() => undefined);

/** The integrations that exist, as the hub's lookup answers them, and the lookups it was asked. */
function integrations(...live: string[]) {
  const existing = new Set(live);
  const asked: string[][] = [];
  return {
    existing,
    asked,
    stillInUse: async (keys: readonly string[]) => {
      asked.push([...keys]);
      return new Set(keys.filter((key) => existing.has(key)));
    },
  };
}

describe('breakers of integrations that are gone', () => {
  it('drops the breaker of a deleted integration, open or not, and keeps the live ones as they were', async () => {
    const world = integrations('live', 'deleted-open', 'deleted-closed');
    registry = createBreakerRegistry({ volumeThreshold: 3, resetTimeoutMs: 60_000, stillInUse: world.stillInUse });
    for (let i = 0; i < 3; i++) await settle(registry.run('live', unavailable));
    for (let i = 0; i < 3; i++) await settle(registry.run('deleted-open', unavailable));
    await registry.run('deleted-closed', ok);
    expect(registry.held()).toBe(3);

    world.existing.delete('deleted-open');
    world.existing.delete('deleted-closed');
    await registry.forgetGone();

    expect(registry.held()).toBe(1);
    expect(registry.state('deleted-open')).toBe('closed');
    expect(registry.changedAt('deleted-open')).toBeUndefined();
    expect(registry.state('live')).toBe('open');
    expect(await registry.run('live', ok).catch((error: ConnectorError) => error.code)).toBe('circuit_open');
  });

  it('asks only about the keys it is given, and only when it holds their breakers', async () => {
    const world = integrations('a', 'b');
    registry = createBreakerRegistry({ stillInUse: world.stillInUse });
    await registry.run('a', ok);
    await registry.run('b', ok);

    await registry.forgetGone(['never-called']);
    world.existing.delete('a');
    await registry.forgetGone(['a']);

    expect(world.asked).toEqual([['a']]);
    expect(registry.held()).toBe(1);
    expect(registry.state('b')).toBe('closed');
  });

  it('sweeps by itself when the breakers held have doubled, so they stay within twice the live ones', async () => {
    const world = integrations('live');
    registry = createBreakerRegistry({ stillInUse: world.stillInUse });
    await registry.run('live', ok);
    // Integrations made and deleted one after another, each called once.
    for (let i = 0; i < 1_000; i++) await registry.run(`deleted-${i}`, ok);
    await registry.forgetGone([]);

    expect(registry.held()).toBeLessThanOrEqual(200);
    expect(world.asked.length).toBeGreaterThan(0);
    expect(world.asked.length).toBeLessThan(20);
    expect(registry.state('live')).toBe('closed');
  });

  it('keeps every breaker when the lookup fails, and the calls go on', async () => {
    registry = createBreakerRegistry({ volumeThreshold: 3, resetTimeoutMs: 60_000, stillInUse: () => Promise.reject(new Error('database unavailable')) });
    for (let i = 0; i < 3; i++) await settle(registry.run('a', unavailable));

    await registry.forgetGone();

    expect(registry.state('a')).toBe('open');
    expect(registry.held()).toBe(1);
  });

  it('keeps every breaker without a lookup (a registry of its own in a test or a script)', async () => {
    registry = createBreakerRegistry();
    await registry.run('a', ok);
    await registry.forgetGone();
    expect(registry.held()).toBe(1);
  });

  it('judges only the breakers it asked about: one made while the lookup was under way stays', async () => {
    let answer: (live: ReadonlySet<string>) => void = () => undefined;
    registry = createBreakerRegistry({ volumeThreshold: 3, resetTimeoutMs: 60_000, stillInUse: () => new Promise((resolve) => (answer = resolve)) });
    await registry.run('a', ok);
    const sweeping = registry.forgetGone();
    for (let i = 0; i < 3; i++) await settle(registry.run('b', unavailable));

    answer(new Set());
    await sweeping;

    expect(registry.state('a')).toBe('closed');
    expect(registry.state('b')).toBe('open');
    expect(registry.held()).toBe(1);
  });
});
