import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import type { AppEnv } from '../http/app-env.ts';
import type { HubMetrics } from '../http/metrics.ts';
import type { Logger } from '../logging/logger.ts';
import type { NodeRequestHandler } from '../webhooks/webhook.listener.ts';
import { answerClientError, answeredMissingHost } from './client-error.ts';
import { createRefusalReport } from './refusal-report.ts';

export interface HttpServer {
  port: number;
  /** Stops accepting, lets in-flight requests finish for up to `timeoutMs`, then cuts the rest. */
  close(timeoutMs: number): Promise<void>;
}

/** Where the requests refused before Hono sees them are logged and counted. */
export interface RefusalObserver {
  logger: Logger;
  metrics: HubMetrics;
}

/**
 * How long a client may take to send a whole request, headers and body. Node's default, 5 minutes,
 * let a stalled body hold its connection that long; API bodies are at most 1 MB, and webhook
 * bodies have 30 s of their own (webhook.listener.ts).
 */
export const REQUEST_TIMEOUT_MS = 60_000;

export interface ListenTiming {
  requestTimeoutMs?: number;
  /** How often Node looks for requests past their time (its default is 30 s). */
  checkEveryMs?: number;
}

/**
 * Serves `app`; `ahead` sees each request first and may answer it itself (the webhook listener),
 * skipping Hono for that request. The hub passes itself as `observer`.
 */
export async function listen(
  app: Hono<AppEnv>,
  port: number,
  hostname: string,
  ahead?: NodeRequestHandler,
  observer?: RefusalObserver,
  { requestTimeoutMs = REQUEST_TIMEOUT_MS, checkEveryMs = 5_000 }: ListenTiming = {},
): Promise<HttpServer> {
  const hono = getRequestListener(app.fetch, { hostname });
  const serve = ahead ? (req: IncomingMessage, res: ServerResponse) => ahead(req, res) || void hono(req, res) : hono;
  const refusals = observer ? createRefusalReport(observer.logger, observer.metrics) : undefined;
  // Node's own refusal of a request without Host is a bare status line; the hub answers it instead.
  const server = createServer({ requireHostHeader: false, requestTimeout: requestTimeoutMs, connectionsCheckingInterval: checkEveryMs }, (req, res) => answeredMissingHost(req, res, refusals) || void serve(req, res));
  server.on('clientError', (error: Error & { code?: string }, socket) => answerClientError(error, socket, refusals));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.keepAliveTimeout = 5_000;
  return {
    port: (server.address() as AddressInfo).port,
    close(timeoutMs) {
      return new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), timeoutMs);
        // Keep-alive sockets turn idle as their last response ends; closing them as they do
        // lets close() finish as soon as the work is done instead of at the keep-alive timeout.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        server.close(() => {
          clearTimeout(force);
          clearInterval(sweep);
          refusals?.stop();
          ahead?.stop?.();
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
