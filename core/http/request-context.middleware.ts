import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from '../logging/logger.ts';
import type { AppEnv } from './app-env.ts';
import type { HubMetrics } from './metrics.ts';

const INCOMING_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Gives every request an id (the caller's X-Request-Id when it is sane, else a new one), the id on
 * the response, one log line carrying it and one histogram sample.
 */
export function requestContext(logger: Logger, metrics: HubMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    // The root logger, not a child per request: whoever logs for a request adds its requestId.
    c.set('logger', logger);
    const started = performance.now();
    try {
      await next();
    } finally {
      c.header('X-Request-Id', requestId);
      const seconds = (performance.now() - started) / 1000;
      // The route pattern, not the raw path, keeps label cardinality bounded.
      const matched = routePath(c, -1);
      const route = matched && matched !== '*' && matched !== '/*' ? matched : 'unmatched';
      const status = String(c.res.status);
      metrics.httpDuration.observe({ method: c.req.method, route, status }, seconds);
      const line = { requestId, method: c.req.method, path: c.req.path, route, status: c.res.status, durationMs: Math.round(seconds * 1000) };
      // Accepted webhooks are the bulk of traffic and are counted in /metrics; at debug they cost
      // nothing unless asked for. Everything else, and every rejected delivery, is logged at info.
      if (route === '/hooks/:integrationId' && c.res.status < 300) logger.debug(line, 'request');
      else logger.info(line, 'request');
    }
  };
}
