// Redis connections for the BullMQ queue, set up as BullMQ's production guide asks, and the
// timeouts that keep a Redis outage from hanging callers (health checks, HTTP handlers, shutdown).
import { Redis } from 'ioredis';
import { settlesWithin, withTimeout } from '../timing/deadline.ts';
import { QueueUnavailableError } from './queue.types.ts';
import type { QueueLogger } from './queue.types.ts';

export type ConnectionRole = 'producer' | 'worker';

// Adding a job must fail at once when Redis is away: the caller has recorded the work in
// Postgres and the reconciler enqueues it later. Away includes a Redis that keeps its connections
// open but stops answering (frozen, or behind a network dropping packets): without a command
// timeout an HTTP request adding a job would wait for TCP to give up, a quarter of an hour. Workers
// instead must wait for Redis however long it is away; BullMQ requires `maxRetriesPerRequest: null`
// on their connections, and their blocking reads must not time out.
export const PRODUCER_COMMAND_TIMEOUT_MS = 5_000;
const ROLE_OPTIONS = {
  producer: { enableOfflineQueue: false, commandTimeout: PRODUCER_COMMAND_TIMEOUT_MS },
  worker: { maxRetriesPerRequest: null },
} as const;

export function createRedis(url: string, role: ConnectionRole, logger: QueueLogger): Redis {
  const redis = new Redis(url, { ...ROLE_OPTIONS[role], connectionName: `hub-queue-${role}` });
  const report = throttledErrorReporter(logger, { role }, 'redis connection error');
  // Without an 'error' listener, ioredis would turn every failed reconnect into a crash.
  redis.on('error', report);
  return redis;
}

const REPEAT_AFTER_MS = 60_000;

/**
 * An error listener for connections and BullMQ objects. They repeat the same error on every
 * reconnect attempt, so each distinct message is logged at most once a minute.
 */
export function throttledErrorReporter(
  logger: QueueLogger,
  fields: object,
  msg: string,
): (err: Error) => void {
  const lastLogged = new Map<string, number>();
  return (err) => {
    const now = Date.now();
    if (now - (lastLogged.get(err.message) ?? -Infinity) < REPEAT_AFTER_MS) return;
    lastLogged.set(err.message, now);
    // The logger's error serializer leaves out the arguments of the command an ioredis error carries
    // (a refused login's hold the password).
    logger.error({ ...fields, err }, msg);
  };
}

/**
 * Resolves once the connection is ready; rejects when it has ended, or after `timeoutMs` when
 * given.
 */
export function whenReady(redis: Redis, timeoutMs?: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  if (redis.status === 'end') return Promise.reject(new QueueUnavailableError('Redis connection closed'));
  return new Promise((resolve, reject) => {
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            cleanup();
            reject(new QueueUnavailableError(`Redis not ready within ${timeoutMs} ms (${redis.status})`));
          }, timeoutMs);
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const onEnd = (): void => {
      cleanup();
      reject(new QueueUnavailableError('Redis connection closed'));
    };
    function cleanup(): void {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('end', onEnd);
    }
    redis.once('ready', onReady);
    redis.once('end', onEnd);
  });
}

export async function pingRedis(redis: Redis, timeoutMs: number): Promise<void> {
  const started = Date.now();
  await whenReady(redis, timeoutMs);
  const remainingMs = timeoutMs - (Date.now() - started);
  await withTimeout(redis.ping(), remainingMs, () => new QueueUnavailableError(`Redis PING timed out after ${remainingMs} ms`));
}

export async function closeRedis(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status === 'ready' && (await settlesWithin(redis.quit(), timeoutMs))) return;
  redis.disconnect();
}
