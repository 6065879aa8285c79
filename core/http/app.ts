import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import type { HubContext } from '../server/hub-context.ts';
import { ApiError } from './api-error.ts';
import type { AppEnv } from './app-env.ts';
import { authorize } from './authenticate.ts';
import { BODY_LIMIT_BYTES } from './body-limit.ts';
import { checkMetricsAccess } from './metrics-access.ts';
import { errorBody, handleError } from './error-handler.ts';
import { requestContext, WEBHOOK_ROUTE } from './request-context.middleware.ts';
import type { AnyRoute, RouteContext } from './route.ts';
import { routeTable } from './route-table.ts';
import { healthRoutes } from '../health/health.routes.ts';
import { validateInput } from './validate.ts';
import { webhookHandler } from '../webhooks/webhook.handler.ts';
import { adminApp } from '../../admin-ui/app.ts';

function register(app: Hono<AppEnv>, hub: HubContext, route: AnyRoute): void {
  app.on(route.method.toUpperCase(), route.path, async (c) => {
    const principal = await authorize(c, hub, route.access);
    const input = await validateInput(c, route);
    const context = { hub, requestId: c.get('requestId'), principal } as RouteContext<typeof route.access>;
    const result = await route.handler(input as never, context);
    if (result.status === 204 || result.body === undefined) return c.body(null, result.status === 204 ? 204 : result.status);
    return c.json(result.body, result.status);
  });
}

function serveMetrics(app: Hono<AppEnv>, hub: HubContext): void {
  app.get('/metrics', async (c) => {
    checkMetricsAccess(hub.config.HUB_METRICS_TOKEN, c.req.header('authorization'));
    c.header('Content-Type', hub.metrics.registry.contentType);
    return c.body(await hub.metrics.registry.metrics());
  });
}

/**
 * What a worker process serves when HUB_PROBE_PORT is set: its own /metrics (the runs and events it
 * processed are counted there, not in the API processes) and /api/health for an orchestrator.
 */
export function createProbeApp(hub: HubContext): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', requestContext(hub.logger, hub.metrics));
  serveMetrics(app, hub);
  for (const route of healthRoutes) register(app, hub, route);
  app.notFound((c) => c.json(errorBody(new ApiError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`)), 404));
  app.onError((error, c) => handleError(error, c, c.get('logger') ?? hub.logger));
  return app;
}

export function createApp(hub: HubContext, routes: readonly AnyRoute[] = routeTable): Hono<AppEnv> {
  const metrics = hub.metrics;
  const app = new Hono<AppEnv>();
  app.use('*', requestContext(hub.logger, metrics));
  app.use('*', secureHeaders());
  app.use(
    '*',
    bodyLimit({
      maxSize: BODY_LIMIT_BYTES,
      onError: (c: Context) => {
        metrics.httpRejected.inc({ reason: 'body_too_large' });
        if (c.req.path.startsWith('/hooks/')) metrics.webhooks.inc({ connector: 'unknown', outcome: 'too_large' });
        return c.json(errorBody(new ApiError(413, 'payload_too_large', `the request body exceeds ${BODY_LIMIT_BYTES} bytes`)), 413);
      },
    }),
  );

  serveMetrics(app, hub);
  for (const route of routes) register(app, hub, route);
  // Public and signature-checked by the connector, not token-authenticated: see webhook.ingest.ts.
  app.post(WEBHOOK_ROUTE, webhookHandler(hub));
  app.route('/admin', adminApp(hub));

  app.notFound((c) => c.json(errorBody(new ApiError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`)), 404));
  app.onError((error, c) => handleError(error, c, c.get('logger') ?? hub.logger));
  return app;
}
