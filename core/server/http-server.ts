import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import type { AppEnv } from '../http/app-env.ts';
import type { NodeRequestHandler } from '../webhooks/webhook.listener.ts';
import { answerClientError } from './client-error.ts';

export interface HttpServer {
  port: number;
  /** Stops accepting, lets in-flight requests finish for up to `timeoutMs`, then cuts the rest. */
  close(timeoutMs: number): Promise<void>;
}

/**
 * Serves `app`; `ahead` sees each request first and may answer it itself (the webhook listener),
 * skipping Hono for that request.
 */
export async function listen(app: Hono<AppEnv>, port: number, hostname: string, ahead?: NodeRequestHandler): Promise<HttpServer> {
  const hono = getRequestListener(app.fetch, { hostname });
  const server = createServer(ahead ? (req, res) => ahead(req, res) || void hono(req, res) : hono);
  server.on('clientError', answerClientError);
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
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
