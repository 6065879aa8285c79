import CircuitBreaker from 'opossum';
import { ConnectorError, type FailureCode } from './failure.ts';

// One breaker per integration, so one failing upstream cannot tie up workers that other
// integrations need. Only failures that say "the upstream is unwell" count: a 401, a 404 or a 429
// is the upstream answering correctly about our request, and must not stop other calls.

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Share of failed calls in the rolling window that opens the breaker (default 50). */
  errorThresholdPercentage?: number;
  /** Calls needed in the window before the breaker may open at all (default 10). */
  volumeThreshold?: number;
  /** How long the breaker stays open before letting one trial call through (default 30 s). */
  resetTimeoutMs?: number;
  /** Length of the rolling statistics window (default 60 s). */
  rollingCountTimeoutMs?: number;
  /**
   * Told of every change of a breaker's state, with when an open one lets a trial call through:
   * breakers live in the process making the calls, and other processes (an API process showing
   * health) learn their state from what this reports.
   */
  onStateChange?: (key: string, change: BreakerChange) => void;
  /**
   * Whether another process holds the breaker of `key` open, until when, and why: a process whose
   * own breaker is closed then fails fast too, instead of each process paying its own run of
   * failures before an unwell upstream is left alone.
   */
  openElsewhere?: (key: string) => Promise<OpenBreaker | undefined>;
  /**
   * Which of `keys` still name an integration; the breakers of the others are dropped with their
   * timers. Without it a process keeps a breaker for every integration it ever called, deleted ones
   * included. A lookup that cannot tell answers every key (or throws): every breaker is then kept.
   */
  stillInUse?: (keys: readonly string[]) => Promise<ReadonlySet<string>>;
}

/** A breaker held open: until when, and the last failure that counted against it, if known. */
export interface OpenBreaker {
  until: Date;
  cause?: string | undefined;
}

export interface BreakerChange {
  state: BreakerState;
  at: Date;
  /** When an open breaker turns half-open (open only). */
  reopensAt?: Date;
  /** The last failure that counted against it, as `code: message` (open only). */
  cause?: string;
}

export interface BreakerRegistry {
  /** Runs `fn` through the breaker of `key`; rejects with ConnectorError `circuit_open` when open. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
  state(key: string): BreakerState;
  /** When the breaker of `key` last changed state in this process, if it ever did. */
  changedAt(key: string): Date | undefined;
  /**
   * Drops the breakers of those of `keys` (every one held, without) whose integration is gone,
   * as `stillInUse` answers; does nothing without it.
   */
  forgetGone(keys?: readonly string[]): Promise<void>;
  /** How many breakers are held. */
  held(): number;
  /** Stops the breakers' timers (tests, shutdown). */
  shutdown(): void;
}

type Thunk = () => Promise<unknown>;

// The registry sweeps by itself once it holds twice as many breakers as were in use at its last
// sweep (and at least this many): breakers stay within about twice the integrations in use, in
// every process, without a timer and with a lookup that is rare however many calls are made.
const SWEEP_AT_LEAST = 100;

/**
 * The failures that say "the upstream is unwell". Not rate_limited: a throttling upstream answers
 * correctly about our pace, and the retry policy already waits out its Retry-After; counting it
 * would turn a 2 s throttle into circuit_open for the whole reset timeout, Retry-After lost.
 */
const UNWELL: ReadonlySet<FailureCode> = new Set(['upstream_unavailable', 'network_error']);

/** True for errors that must NOT count against the breaker (opossum's errorFilter contract). */
function isHarmless(error: unknown): boolean {
  return !(error instanceof ConnectorError && UNWELL.has(error.code));
}

/** What a refused call says: the upstream failure behind the open breaker, for the operator. */
function refusal(key: string, cause: string | undefined, elsewhere?: Date): string {
  const where = elsewhere ? ` seen by another worker, until ${elsewhere.toISOString()}` : '';
  return `circuit of ${key} is open after repeated upstream failures${where}${cause ? `; the last: ${cause}` : ''}`;
}

export function createBreakerRegistry(options: BreakerOptions = {}): BreakerRegistry {
  const breakers = new Map<string, CircuitBreaker<[Thunk], unknown>>();
  const changes = new Map<string, Date>();
  // The last failure that counted against each breaker: an open breaker's refusals name it, so the
  // run, task and event of a sustained outage still say what the upstream did.
  const lastFailure = new Map<string, string>();
  const resetTimeoutMs = options.resetTimeoutMs ?? 30_000;
  let sweepAt = SWEEP_AT_LEAST;
  let sweeping: Promise<void> | undefined;

  async function forgetGone(keys: readonly string[] = [...breakers.keys()]): Promise<void> {
    const asked = keys.flatMap((key) => {
      const breaker = breakers.get(key);
      return breaker === undefined ? [] : [{ key, breaker }];
    });
    if (asked.length === 0 || !options.stillInUse) return;
    let inUse: ReadonlySet<string>;
    try {
      inUse = await options.stillInUse(asked.map(({ key }) => key));
    } catch {
      return;
    }
    for (const { key, breaker } of asked) {
      // A breaker made for the key since the question was asked is not the one the answer is about.
      if (inUse.has(key) || breakers.get(key) !== breaker) continue;
      breaker.shutdown();
      breakers.delete(key);
      changes.delete(key);
      lastFailure.delete(key);
    }
  }

  function sweepWhenGrown(): void {
    if (sweeping || breakers.size < sweepAt || !options.stillInUse) return;
    sweeping = forgetGone().finally(() => {
      sweepAt = Math.max(SWEEP_AT_LEAST, 2 * breakers.size);
      sweeping = undefined;
    });
  }

  function breakerFor(key: string): CircuitBreaker<[Thunk], unknown> {
    let breaker = breakers.get(key);
    if (breaker === undefined) {
      breaker = new CircuitBreaker<[Thunk], unknown>((fn) => fn(), {
        name: key,
        // opossum times calls out after 10 s by default without cancelling them; the HTTP
        // client has its own per-attempt timeout that does cancel.
        timeout: false,
        errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
        volumeThreshold: options.volumeThreshold ?? 10,
        resetTimeout: resetTimeoutMs,
        rollingCountTimeout: options.rollingCountTimeoutMs ?? 60_000,
        enableSnapshots: false,
        errorFilter: isHarmless,
      });
      const report = (change: BreakerChange): void => {
        changes.set(key, change.at);
        options.onStateChange?.(key, change);
      };
      breaker.on('open', () => {
        const at = new Date();
        const cause = lastFailure.get(key);
        report({ state: 'open', at, reopensAt: new Date(at.getTime() + resetTimeoutMs), ...(cause ? { cause } : {}) });
      });
      breaker.on('halfOpen', () => report({ state: 'half_open', at: new Date() }));
      breaker.on('close', () => report({ state: 'closed', at: new Date() }));
      breakers.set(key, breaker);
      sweepWhenGrown();
    }
    return breaker;
  }

  return {
    async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
      const breaker = breakerFor(key);
      // Only a closed breaker asks: an open one refuses anyway, and a half-open one is this
      // process's own trial call, which must go through to close it.
      if (breaker.closed && options.openElsewhere) {
        const held = await options.openElsewhere(key);
        if (held) throw new ConnectorError('circuit_open', refusal(key, held.cause, held.until), { notSent: true });
      }
      // Noted before the breaker counts it, so the change to open already carries it.
      const noted = () =>
        fn().catch((error: unknown) => {
          if (error instanceof ConnectorError && !isHarmless(error)) lastFailure.set(key, `${error.code}: ${error.message}`);
          throw error;
        });
      try {
        return (await breaker.fire(noted)) as T;
      } catch (error) {
        if (error instanceof Error && CircuitBreaker.isOurError(error)) {
          throw new ConnectorError('circuit_open', refusal(key, lastFailure.get(key)), { cause: error, notSent: true });
        }
        throw error;
      }
    },
    state(key: string): BreakerState {
      const breaker = breakers.get(key);
      if (breaker === undefined || breaker.closed) return 'closed';
      return breaker.halfOpen ? 'half_open' : 'open';
    },
    changedAt(key: string): Date | undefined {
      return changes.get(key);
    },
    forgetGone,
    held: () => breakers.size,
    shutdown(): void {
      for (const breaker of breakers.values()) breaker.shutdown();
      breakers.clear();
      changes.clear();
      lastFailure.clear();
    },
  };
}

/** The process-wide registry: every client of one integration shares its breaker. */
export const defaultBreakers: BreakerRegistry = createBreakerRegistry();
