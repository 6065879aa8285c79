import { loadConfig } from '../config/config.load.ts';
import { createLogger } from '../logging/logger.ts';
import { firstStartBanner } from '../server/bootstrap.ts';
import { startHub } from '../server/hub.server.ts';

export async function startCommand(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.LOG_LEVEL });
  const running = await startHub(config, logger, {
    // Written straight to the terminal, not through the logger: log pipelines must never carry it.
    announceFirstToken: (token, port) => process.stdout.write(firstStartBanner(token, port) + '\n'),
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
