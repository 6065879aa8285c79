import type { Context, Hono } from 'hono';
import { recordAudit } from '../../core/audit/audit.repository.ts';
import type { HubContext } from '../../core/server/hub-context.ts';
import type { AdminEnv } from '../admin-env.ts';
import { newCsrfToken } from '../auth/csrf.ts';
import { clientIp, safeNext } from '../auth/middleware.ts';
import { destroySession } from '../auth/session.service.ts';
import { clearLoginCsrfCookie, clearSessionCookie, readKnownBrowserCookie, readLoginCsrfCookie, writeKnownBrowserCookie, writeLoginCsrfCookie, writeSessionCookie } from '../auth/session-cookie.ts';
import { signIn } from '../auth/sign-in.service.ts';
import { formatUtc, relative } from '../components/time.ts';
import { noticeFor } from '../components/notice.ts';
import { SignInPage } from '../pages/sign-in.page.ts';
import { formString, readForm } from '../form-data.ts';

export function registerAuthRoutes(app: Hono<AdminEnv>, hub: HubContext): void {
  const loginToken = (c: Context<AdminEnv>): string => {
    // Reuse the cookie's token so several sign-in tabs stay valid.
    const existing = readLoginCsrfCookie(c, c.get('secure'));
    const token = existing && /^[A-Za-z0-9_-]{43}$/.test(existing) ? existing : newCsrfToken();
    writeLoginCsrfCookie(c, c.get('secure'), token);
    return token;
  };

  app.get('/login', (c) => {
    if (c.get('session')) return c.redirect(safeNext(c.req.query('next')), 303);
    c.header('Cache-Control', 'no-store');
    return c.html(
      SignInPage({
        csrf: loginToken(c),
        workspace: c.req.query('workspace') ?? hub.config.HUB_DEFAULT_TENANT,
        next: c.req.query('next') ?? '',
        notice: noticeFor(c.req.query('notice')),
      }),
    );
  });

  app.post('/login', async (c) => {
    const form = await readForm(c);
    const email = formString(form, 'email');
    const workspace = formString(form, 'workspace') || hub.config.HUB_DEFAULT_TENANT;
    const next = formString(form, 'next');
    const result = await signIn(hub, {
      workspace,
      email,
      password: formString(form, 'password', { trim: false }),
      ip: clientIp(c),
      userAgent: c.req.header('user-agent'),
      requestId: c.get('requestId'),
      knownBrowserMark: readKnownBrowserCookie(c, c.get('secure')),
    });
    if (result.ok) {
      clearLoginCsrfCookie(c, c.get('secure'));
      writeSessionCookie(c, c.get('secure'), result.token, result.expiresAt);
      writeKnownBrowserCookie(c, c.get('secure'), result.knownBrowserMark);
      return c.redirect(safeNext(next), 303);
    }
    const error =
      result.reason === 'locked'
        ? `Too many failed sign-in attempts for ${email}. For your security, sign-in for this email is locked until ${formatUtc(result.until)} (${relative(result.until, hub.clock())}). Wait, then try again, or ask an administrator to check the account.`
        : result.reason === 'busy'
          ? 'Too many sign-ins are being checked at this moment. Nothing was counted against your account: try again in a few seconds.'
          : 'The email or password is incorrect. Check both and try again.';
    c.header('Cache-Control', 'no-store');
    if (result.reason === 'busy') c.header('Retry-After', '5');
    return c.html(SignInPage({ csrf: loginToken(c), workspace, email, next, error }), result.reason === 'invalid' ? 401 : 429);
  });

  app.post('/logout', async (c) => {
    const session = c.get('session');
    if (session) {
      await destroySession(hub.db, session.idHash);
      await recordAudit(hub.db, {
        tenantId: session.tenant.id, actorType: 'user', actorId: session.user.id, action: 'user.signed_out',
        targetType: 'user', targetId: session.user.id, requestId: c.get('requestId'),
      });
    }
    clearSessionCookie(c, c.get('secure'));
    return c.redirect('/admin/login?notice=signed_out', 303);
  });
}
