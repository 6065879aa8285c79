import { createServer } from 'node:net';
import { loadConfig } from '../config/config.load.ts';
import type { EnvironmentVariables } from '../config/config.schema.ts';
import { createLogger } from '../logging/logger.ts';
import { QueueUnavailableError } from '../queue/queue.types.ts';
import { firstStartBanner } from '../server/bootstrap.ts';
import { startHub } from '../server/hub.server.ts';
import { CliError } from './cli-error.ts';

/** The port is taken, or not ours to take, as one clear line; undefined for any other failure. */
function listenError(error: unknown, port: number): CliError | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return new CliError(`port ${port} is in use; stop what uses it, or set PORT to another`);
  if (code === 'EACCES') return new CliError(`no permission to listen on port ${port}; set PORT to one above 1023`);
  return undefined;
}

/** Fails before anything starts (database, workers) when the HTTP port cannot be had. */
async function assertPortFree(port: number, host: string): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => server.close(() => resolve()));
  }).catch((error: unknown) => {
    throw listenError(error, port) ?? error;
  });
}

/** REDIS_URL as it can be printed: without its password. */
function redisUrlForDisplay(url: string | undefined): string {
  if (!url) return 'REDIS_URL';
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return `REDIS_URL ${parsed.toString()}`;
  } catch {
    return 'REDIS_URL';
  }
}

export async function startCommand(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL });
  if (config.HUB_ROLE !== 'worker' && config.PORT !== 0) await assertPortFree(config.PORT, config.HOST);
  const running = await startHub(config, logger, {
    // Written straight to the terminal, not through the logger: log pipelines must never carry it.
    announceFirstToken: (token, port) => process.stdout.write(firstStartBanner(token, port, { tenant: config.HUB_DEFAULT_TENANT, embedded: !config.DATABASE_URL }) + '\n'),
  }).catch((error: unknown) => {
    throw startError(error, config) ?? error;
  });

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    logger.info({ signal, timeoutMs: config.HUB_SHUTDOWN_TIMEOUT_MS }, 'shutting down gracefully');
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** The expected ways a start fails, as one line each. */
function startError(error: unknown, config: EnvironmentVariables): CliError | undefined {
  if (error instanceof QueueUnavailableError) {
    return new CliError(`the queue's Redis does not answer (${redisUrlForDisplay(config.REDIS_URL)}): ${error.message}`);
  }
  return listenError(error, config.PORT);
}
