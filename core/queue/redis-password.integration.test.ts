import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.ts';
import { createQueue } from './queue.create.ts';
import type { JobQueue } from './queue.types.ts';
import { privateRedis, type PrivateRedis } from '../../test-support/private-redis.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { Redis } from 'ioredis';
import { loadConfig } from '../config/config.load.ts';
import { startError } from '../cli/start.command.ts';
import { QueueUnavailableError } from './queue.types.ts';
import { captureLog } from '../../test-support/captured-log.ts';

// REDIS_URL carries the Redis password. When Redis refuses it (the password was rotated on the
// server, a typo), ioredis attaches the failed command to its error (err.command = { name: 'hello',
// args: [..., password] }): the hub logs why, never that command's arguments. A Redis of its own,
// on a free port, with a password.

const rightPassword = `right${randomBytes(8).toString('hex')}`;
const wrongPassword = `CANARYredis${randomBytes(8).toString('hex')}`;
let redis: PrivateRedis | undefined;
let queue: JobQueue | undefined;
const log = captureLog();

beforeAll(async () => {
  redis = await privateRedis({ password: rightPassword });
});
afterAll(async () => {
  await queue?.close?.().catch(() => undefined);
  await redis?.stop();
});

describe('a Redis that refuses the password of REDIS_URL', { timeout: 30_000 }, () => {
  it('does not put that password into the log', async () => {
    const logger = createLogger({ level: 'info', destination: log.stream });
    queue = createQueue({ redisUrl: `redis://:${wrongPassword}@127.0.0.1:${redis!.port}`, prefix: `secrets_${randomBytes(4).toString('hex')}`, logger });
    await queue.ping().catch(() => undefined);
    await waitFor('a redis error in the log', async () => (log.text().includes('WRONGPASS') ? true : undefined));
    // The log line is there and says why (WRONGPASS) ...
    expect(log.text()).toContain('redis connection error');
    // ... but must not carry the password itself.
    expect(log.text()).not.toContain(wrongPassword);
  });

  it('does not print a password given as ?password= in REDIS_URL when the start fails', async () => {
    // ioredis reads every query parameter of the URL as an option, `password` included: this is a
    // working way to give the password (proved against the password-protected Redis above).
    const url = `redis://127.0.0.1:${redis!.port}/?password=${rightPassword}`;
    const client = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();

    const config = loadConfig({ REDIS_URL: url, DATABASE_URL: 'postgres://127.0.0.1/x', HUB_ROLE: 'all' });
    const message = startError(new QueueUnavailableError('Redis not ready within 10000 ms (connecting)'), config)?.message ?? '';
    expect(message).toContain("the queue's Redis does not answer");
    expect(message).not.toContain(rightPassword);
  });
});
