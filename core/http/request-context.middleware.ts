import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from '../logging/logger.ts';
import type { AppEnv } from './app-env.ts';
import type { HubMetrics } from './metrics.ts';

const INCOMING_ID = /^[A-Za-z0-9._-]{1,128}$/;
export const WEBHOOK_ROUTE = '/hooks/:integrationId';
const QUIET_WHEN_ANSWERED: ReadonlySet<string> = new Set([WEBHOOK_ROUTE, '/api/health', '/metrics']);

/** The caller's X-Request-Id when it is sane, else a new one. */
export function requestIdFrom(incoming: string | undefined): string {
  return incoming && INCOMING_ID.test(incoming) ? incoming : randomUUID();
}

export interface FinishedRequest {
  requestId: string;
  method: string;
  path: string;
  /** The route pattern, not the raw path, keeps label cardinality bounded. */
  route: string;
  status: number;
  seconds: number;
}

/** One histogram sample and one log line per request, whichever server layer answered it. */
export function recordRequest(logger: Logger, metrics: HubMetrics, request: FinishedRequest): void {
  const { requestId, method, path, route, status, seconds } = request;
  metrics.httpDuration.observe({ method, route, status: String(status) }, seconds);
  // Accepted webhooks are the bulk of traffic and are counted in /metrics; at debug they cost
  // nothing unless asked for. So do answered probes and scrapes: an orchestrator and Prometheus
  // ask every few seconds, and at info they would bury every other line. Everything else, and
  // every refused delivery, probe or scrape, is logged at info.
  const level = QUIET_WHEN_ANSWERED.has(route) && status < 300 ? 'debug' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  logger[level]({ requestId, method, path, route, status, durationMs: Math.round(seconds * 1000) }, 'request');
}

/**
 * Gives every request an id, the id on the response, one log line carrying it and one histogram
 * sample.
 */
export function requestContext(logger: Logger, metrics: HubMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const requestId = requestIdFrom(c.req.header('x-request-id'));
    c.set('requestId', requestId);
    // The root logger, not a child per request: whoever logs for a request adds its requestId.
    c.set('logger', logger);
    const started = performance.now();
    try {
      await next();
    } finally {
      c.header('X-Request-Id', requestId);
      const matched = routePath(c, -1);
      const route = matched && matched !== '*' && matched !== '/*' ? matched : 'unmatched';
      recordRequest(logger, metrics, { requestId, method: c.req.method, path: c.req.path, route, status: c.res.status, seconds: (performance.now() - started) / 1000 });
    }
  };
}
