import { isDatabaseUnavailable } from '../core/db/postgres-errors.ts';
import { RETRY_AFTER_SECONDS } from '../core/http/error-handler.ts';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApiError } from '../core/http/api-error.ts';
import type { HubContext } from '../core/server/hub-context.ts';
import type { AdminEnv } from './admin-env.ts';
import { csrfProtection, endedSessionToSignIn, loadAdminSession, requireSignIn } from './auth/middleware.ts';
import { html } from './html.ts';
import { bareLayout, layout, STYLESHEET, STYLESHEET_VERSION } from './layout.ts';
import { ErrorPage, errorTitle } from './pages/error.page.ts';
import { registerActivityRoutes } from './routes/activity.routes.ts';
import { registerAuditRoutes } from './routes/audit.routes.ts';
import { registerAuthRoutes } from './routes/auth.routes.ts';
import { registerCredentialRoutes } from './routes/credential.routes.ts';
import { registerIntegrationActionRoutes } from './routes/integration-actions.routes.ts';
import { registerIntegrationRoutes } from './routes/integration.routes.ts';
import { registerOverviewRoutes } from './routes/overview.routes.ts';
import { registerRouteRoutes } from './routes/route.routes.ts';
import { registerRunbookRoutes } from './routes/runbook.routes.ts';
import { registerSettingsRoutes } from './routes/settings.routes.ts';
import { registerSyncProgressRoutes } from './routes/sync-progress.routes.ts';
import { registerTaskRoutes } from './routes/task.routes.ts';
import { registerTokenRoutes } from './routes/token.routes.ts';
import { refuseUnstorableQuery } from './storable-query.ts';

// The admin UI: server-rendered pages over the same services as the JSON API, mounted at /admin.
// Styles come from one same-origin stylesheet and pages carry no scripts, so the policy below
// forbids scripts outright.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

function errorResponse(c: Context<AdminEnv>, hub: HubContext, thrown: Error): Response {
  const requestId = c.get('requestId');
  const logger = c.get('logger') ?? hub.logger;
  let error = thrown;
  if (isDatabaseUnavailable(thrown)) {
    // An outage, not a bug: a warning and a page saying to try again, as the API's 503.
    logger.warn({ err: { name: thrown.name, message: thrown.message }, requestId }, 'database unavailable for an admin UI page');
    c.header('Retry-After', String(RETRY_AFTER_SECONDS));
    error = new ApiError(503, 'database_unavailable', `The hub's database did not answer. Try again in ${RETRY_AFTER_SECONDS} seconds.`);
  }
  const known = error instanceof ApiError ? error : undefined;
  if (!known) logger.error({ err: { name: error.name, message: error.message, stack: error.stack }, requestId }, 'admin UI error');
  const status = known ? known.status : 500;
  const view = {
    status,
    code: known ? known.code : 'internal_error',
    message: known ? known.message : 'The hub could not show this page because of an internal error.',
    requestId,
  };
  const session = c.get('session');
  const title = errorTitle(view);
  const page = session ? layout({ title, session, body: ErrorPage(view) }) : bareLayout(title, html`<h1 class="bare__title">${title}</h1>${ErrorPage(view)}`);
  c.header('Cache-Control', 'no-store');
  return c.html(page, status as ContentfulStatusCode);
}

export function adminApp(hub: HubContext): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  app.use('*', async (c, next) => {
    await next();
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    c.header('X-Robots-Tag', 'noindex');
  });

  app.get('/assets/app.css', (c) => {
    const versioned = c.req.query('v') === STYLESHEET_VERSION;
    c.header('Content-Type', 'text/css; charset=utf-8');
    c.header('Cache-Control', versioned ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
    return c.body(STYLESHEET);
  });

  // A trailing slash (`/admin/`, a hand-typed `/admin/tasks/`) names the same page as without it.
  app.use('*', async (c, next) => {
    // The path as sent, still percent-encoded: decoded, an encoded CR or LF could not go in a header.
    const { pathname, search } = new URL(c.req.url);
    if (c.req.method !== 'GET' || !pathname.endsWith('/') || pathname === '/') return next();
    return c.redirect(`${pathname.replace(/\/+$/, '')}${search}`, 308);
  });
  app.use('*', loadAdminSession(hub));
  app.use('*', refuseUnstorableQuery());
  app.use('*', endedSessionToSignIn());
  app.use('*', csrfProtection(hub));
  app.use('*', requireSignIn());

  registerAuthRoutes(app, hub);
  registerOverviewRoutes(app, hub);
  registerIntegrationRoutes(app, hub);
  registerIntegrationActionRoutes(app, hub);
  registerSyncProgressRoutes(app, hub);
  registerCredentialRoutes(app, hub);
  registerActivityRoutes(app, hub);
  registerTaskRoutes(app, hub);
  registerRunbookRoutes(app, hub);
  registerRouteRoutes(app, hub);
  registerSettingsRoutes(app, hub);
  registerTokenRoutes(app, hub);
  registerAuditRoutes(app, hub);

  app.all('*', (c) => errorResponse(c, hub, new ApiError(404, 'not_found', `There is no page at ${c.req.path}.`)));
  app.onError((error, c) => errorResponse(c, hub, error));
  return app;
}
