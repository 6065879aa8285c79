import { createServer } from 'node:net';
import { loadConfig } from '../config/config.load.ts';
import type { EnvironmentVariables } from '../config/config.schema.ts';
import { createLogger } from '../logging/logger.ts';
import { QueueUnavailableError } from '../queue/queue.types.ts';
import { firstStartBanner } from '../server/bootstrap.ts';
import { startHub, type RunningHub } from '../server/hub.server.ts';
import { CliError } from './cli-error.ts';
import { commandLine } from './command-line.ts';
import { stopThenExit } from './stop-then-exit.ts';

/** The variable that sets the port this process listens on, and its value; undefined if it serves no HTTP. */
function listeningPort(config: EnvironmentVariables): { variable: 'PORT' | 'HUB_PROBE_PORT'; port: number } | undefined {
  if (config.HUB_ROLE !== 'worker') return { variable: 'PORT', port: config.PORT };
  // A worker serves only its probes, on HUB_PROBE_PORT: naming PORT would send the operator to
  // the wrong variable (and the wrong port number).
  return config.HUB_PROBE_PORT === undefined ? undefined : { variable: 'HUB_PROBE_PORT', port: config.HUB_PROBE_PORT };
}

/** The port is taken, or not ours to take, as one clear line; undefined for any other failure. */
function listenError(error: unknown, config: EnvironmentVariables): CliError | undefined {
  const { code, syscall } = (error as NodeJS.ErrnoException | undefined) ?? {};
  if (syscall === 'getaddrinfo') return new CliError(`cannot listen on HOST ${config.HOST}: no such host; set HOST to an address or name of this machine (0.0.0.0 for all)`);
  // Only a failure to listen: an EACCES of a file (a data directory another user owns) is not about ports.
  if (syscall !== 'listen') return undefined;
  const listening = listeningPort(config);
  if (!listening) return undefined;
  const { variable, port } = listening;
  if (code === 'EADDRINUSE') return new CliError(`port ${port} is in use; stop what uses it, or set ${variable} to another`);
  if (code === 'EACCES') return new CliError(`no permission to listen on port ${port}; set ${variable} to one above 1023`);
  if (code === 'EADDRNOTAVAIL') return new CliError(`cannot listen on HOST ${config.HOST}: no network interface of this machine has that address; set HOST to one that does (0.0.0.0 for all)`);
  return undefined;
}

/** Fails before anything starts (database, workers) when the HTTP or probe port cannot be had. */
export async function assertPortsFree(config: EnvironmentVariables): Promise<void> {
  const listening = listeningPort(config);
  if (!listening || listening.port === 0) return;
  await assertPortFree(listening.port, config.HOST).catch((error: unknown) => {
    throw listenError(error, config) ?? error;
  });
}

async function assertPortFree(port: number, host: string): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

/** REDIS_URL as it can be printed: without its password. */
function redisUrlForDisplay(url: string | undefined): string {
  if (!url) return 'REDIS_URL';
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    // ioredis takes options from the query too (`?password=`): none of them is shown.
    parsed.search = '';
    return `REDIS_URL ${parsed.toString()}`;
  } catch {
    return 'REDIS_URL';
  }
}

const usage = `usage:
  hub start   run the hub with the role from HUB_ROLE (api, worker or all)

It takes no options: PORT, HOST, DATABASE_URL, REDIS_URL and the rest are environment variables
(see "Configuration" in the README).`;

export async function startCommand(args: string[] = []): Promise<void> {
  if (!commandLine('start', args, { usage })) return;
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL });
  await assertPortsFree(config);

  // Handlers go in before start-up, not after: a signal in the middle of it would otherwise kill
  // the process on the spot (or, as PID 1 in a container, be ignored altogether). One that comes
  // during start-up stops the hub as soon as it has started, through the same graceful stop.
  let running: RunningHub | undefined;
  let signals = 0;
  let startUpDeadline: NodeJS.Timeout | undefined;
  const stopGracefully = (hub: RunningHub): void => stopThenExit(() => hub.stop(), config.HUB_SHUTDOWN_TIMEOUT_MS, logger);
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    if (!running) {
      logger.info({ signal, timeoutMs: config.HUB_SHUTDOWN_TIMEOUT_MS }, 'signal during start-up: stopping once started (a second signal exits at once)');
      // A start-up can wait without end (another process's migration lock, a database that accepts
      // connections and answers nothing); the stop asked for must not wait with it.
      startUpDeadline = setTimeout(() => {
        logger.warn({ timeoutMs: config.HUB_SHUTDOWN_TIMEOUT_MS }, 'start-up did not finish within the shutdown timeout after the signal: exiting without waiting');
        process.exit(1);
      }, config.HUB_SHUTDOWN_TIMEOUT_MS);
      return;
    }
    logger.info({ signal, timeoutMs: config.HUB_SHUTDOWN_TIMEOUT_MS }, 'shutting down gracefully');
    stopGracefully(running);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  running = await startHub(config, logger, {
    // Written straight to the terminal, not through the logger: log pipelines must never carry it.
    announceFirstToken: (token, port) => process.stdout.write(firstStartBanner(token, port, { tenant: config.HUB_DEFAULT_TENANT, embedded: !config.DATABASE_URL }) + '\n'),
  }).catch((error: unknown) => {
    throw startError(error, config) ?? error;
  }).finally(() => clearTimeout(startUpDeadline));
  if (signals > 0) {
    logger.info({ timeoutMs: config.HUB_SHUTDOWN_TIMEOUT_MS }, 'started; shutting down gracefully as asked');
    stopGracefully(running);
  }
}

/** The expected ways a start fails, as one line each. */
export function startError(error: unknown, config: EnvironmentVariables): CliError | undefined {
  if (error instanceof QueueUnavailableError) {
    return new CliError(`the queue's Redis does not answer (${redisUrlForDisplay(config.REDIS_URL)}): ${error.message}`);
  }
  return listenError(error, config);
}
