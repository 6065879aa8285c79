import { randomUUID } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { findTokenLine } from '../../core/auth/api-token-line.repository.ts';
import { activeDescendantCounts, tokenWorks } from '../../core/auth/api-token-line.ts';
import { findApiToken, listApiTokens } from '../../core/auth/api-token.repository.ts';
import { issueApiToken, revokeApiTokenAs, TokenFormUsedError } from '../../core/auth/api-token.service.ts';
import { ApiError, NotFoundError, ValidationError, type FieldError } from '../../core/http/api-error.ts';
import type { HubContext } from '../../core/server/hub-context.ts';
import { listUsers } from '../../core/users/user.repository.ts';
import { isUuidText } from '../../core/db/uuid-text.ts';
import { CreateApiTokenRequest } from '../../schemas/api/token.schema.ts';
import type { AdminEnv } from '../admin-env.ts';
import { requireRole } from '../auth/middleware.ts';
import type { Notice } from '../components/notice.ts';
import { parseFormRequest } from '../forms/form-request.ts';
import { html, nothing, type Html } from '../html.ts';
import { CreatedToken, EMPTY_TOKEN_FORM, RevokeTokenConfirmation, TokenForm, TokensPage, type TokenFormValues } from '../pages/tokens.page.ts';
import { renderPage } from '../render.ts';
import { formOf, idParam } from './params.ts';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

// API tokens of the tenant for admins: the same services as /api/tokens. A token made here acts for
// the signed-in user, so it counts as them in four-eyes checks.
export function registerTokenRoutes(app: Hono<AdminEnv>, hub: HubContext): void {
  async function render(
    c: Context<AdminEnv>,
    options: { values?: TokenFormValues; errors?: FieldError[]; created?: Html; notice?: Notice } = {},
    status: 200 | 201 | 400 | 409 = 200,
  ) {
    const session = requireRole(c, 'admin');
    const [tokens, users] = await Promise.all([listApiTokens(hub.db, session.tenant.id), listUsers(hub.db, session.tenant.id)]);
    const personNames = new Map<string, string>([
      ...users.map((user): [string, string] => [`user:${user.id}`, user.email]),
      ...tokens.map((token): [string, string] => [`token:${token.id}`, token.name]),
    ]);
    const now = hub.clock();
    const view = { tokens, personNames, activeDescendants: activeDescendantCounts(tokens, now), me: session.principal.person, now, csrf: session.csrfToken };
    const form = TokenForm({ csrf: session.csrfToken, formId: randomUUID(), values: options.values ?? EMPTY_TOKEN_FORM, errors: options.errors ?? [] });
    return renderPage(
      c,
      hub,
      { title: 'API tokens', section: 'tokens', ...(options.notice ? { notice: options.notice } : {}), body: html`${options.created ?? nothing}${TokensPage(view, form)}` },
      status,
    );
  }

  app.get('/tokens', (c) => render(c));

  app.post('/tokens', async (c) => {
    const session = requireRole(c, 'admin');
    const form = await formOf(c);
    const values: TokenFormValues = { name: form['name'] ?? '', role: form['role'] ?? '', expiresOn: (form['expiresOn'] ?? '').trim() };
    const notSaved: Notice = { kind: 'error', text: 'No token was created. Correct the problems below.' };
    const errors: FieldError[] = [];
    if (values.expiresOn !== '' && !DATE.test(values.expiresOn)) errors.push({ path: 'body.expiresAt', message: 'enter a date as YYYY-MM-DD' });
    const parsed = parseFormRequest(CreateApiTokenRequest, {
      name: values.name,
      role: values.role,
      ...(DATE.test(values.expiresOn) ? { expiresAt: `${values.expiresOn}T00:00:00.000Z` } : {}),
    });
    if (!parsed.ok) errors.push(...parsed.errors);
    if (errors.length > 0 || !parsed.ok) return render(c, { values, errors, notice: notSaved }, 400);
    // A form sent again (a reload of the page showing the new token) must not make a second one.
    const formId = isUuidText(form['formId']) ? form['formId'] : undefined;
    try {
      const { token, row } = await issueApiToken(hub, session.principal, { ...parsed.data, formId }, c.get('requestId'));
      return render(c, { created: CreatedToken({ name: row.name, token }), notice: { kind: 'success', text: `Token ${row.name} created.` } }, 201);
    } catch (error) {
      if (error instanceof TokenFormUsedError) return render(c, { notice: { kind: 'warning', text: `No new token was made: ${error.message}.` } }, 409);
      if (!(error instanceof ValidationError)) throw error;
      return render(c, { values, errors: error.fields ?? [], notice: notSaved }, 400);
    }
  });

  // A revoked token's page stays open while tokens made from it still work: revoking it alone
  // first, then what it made, is how an operator who learns of a leak later gets there.
  app.get('/tokens/:id/revoke', async (c) => {
    const session = requireRole(c, 'admin');
    const id = idParam(c, 'token');
    const token = await findApiToken(hub.db, session.tenant.id, id);
    const line = token ? await findTokenLine(hub.db, session.tenant.id, id) : [];
    const now = hub.clock();
    const descendants = line.filter((other) => other.id !== id && tokenWorks(other, now));
    if (!token || (token.revoked_at && descendants.length === 0)) throw new NotFoundError('active token');
    const namesById = new Map(line.map((other) => [other.id, other.name]));
    return renderPage(c, hub, { title: `Revoke ${token.name}`, section: 'tokens', body: RevokeTokenConfirmation({ token, descendants, namesById, csrf: session.csrfToken }) });
  });

  app.post('/tokens/:id/revoke', async (c) => {
    const session = requireRole(c, 'admin');
    const id = idParam(c, 'token');
    const form = await formOf(c);
    if (form['confirm'] !== 'yes') throw new ApiError(400, 'confirmation_required', 'Tick the confirmation box to revoke the token.');
    const withDescendants = form['withDescendants'] === 'yes';
    const revocation = await revokeApiTokenAs(hub, session.principal, id, c.get('requestId'), { withDescendants });
    const notice = withDescendants ? 'token_revoked_with_descendants' : revocation.activeDescendantIds.length > 0 ? 'token_revoked_descendants_left' : 'token_revoked';
    return c.redirect(`/admin/tokens?notice=${notice}`, 303);
  });
}
