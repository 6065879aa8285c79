import type { ApiTokenRow } from '../../core/db/database.types.ts';
import type { FieldError } from '../../core/http/api-error.ts';
import { tokenPerson } from '../../core/auth/principal.ts';
import { Role } from '../../core/auth/roles.ts';
import { csrfField } from '../components/csrf-field.ts';
import { errorSummary } from '../components/error-summary.ts';
import { formFields, textControl } from '../components/form-field.ts';
import { formatUtc } from '../components/time.ts';
import { html, nothing, type Html } from '../html.ts';

/** What the "New token" form was filled with. */
export interface TokenFormValues {
  name: string;
  role: string;
  expiresOn: string;
}

export const EMPTY_TOKEN_FORM: TokenFormValues = { name: '', role: 'viewer', expiresOn: '' };

export interface TokensView {
  tokens: ApiTokenRow[];
  /** Display names of persons: a user's email, a token's name. */
  personNames: ReadonlyMap<string, string>;
  /** The signed-in user's person: their tokens say "you". */
  me: string;
  now: Date;
  csrf: string;
}

function stateOf(token: ApiTokenRow, now: Date): 'active' | 'revoked' | 'expired' {
  if (token.revoked_at) return 'revoked';
  if (token.expires_at && token.expires_at <= now) return 'expired';
  return 'active';
}

function actsFor(token: ApiTokenRow, view: TokensView): Html {
  const person = tokenPerson(token);
  if (person === view.me) return html`you`;
  if (person === `token:${token.id}`) return html`<span class="muted">itself</span>`;
  const name = view.personNames.get(person);
  if (person.startsWith('user:')) return html`${name ?? 'a removed user'}`;
  return html`the holder of token ${name ?? 'unknown'}`;
}

export function TokensPage(view: TokensView, form: Html): Html {
  const rows = view.tokens.map((token) => {
    const state = stateOf(token, view.now);
    return html`<tr>
  <th scope="row">${token.name}</th>
  <td><code>${token.display_prefix}…</code></td>
  <td>${token.role}</td>
  <td>${actsFor(token, view)}</td>
  <td>${state === 'active' ? 'Active' : html`<span class="muted">${state === 'revoked' ? 'Revoked' : 'Expired'}</span>`}</td>
  <td>${token.last_used_at ? formatUtc(token.last_used_at) : html`<span class="muted">never</span>`}</td>
  <td>${token.expires_at ? formatUtc(token.expires_at) : html`<span class="muted">never</span>`}</td>
  <td class="nowrap">${
    state === 'active'
      ? html`<a class="button button--danger" href="/admin/tokens/${token.id}/revoke" aria-label="Revoke ${token.name}">Revoke</a>`
      : nothing
  }</td>
</tr>`;
  });
  const table =
    view.tokens.length === 0
      ? html`<p class="empty">No API tokens yet.</p>`
      : html`<div class="table-wrap"><table><thead><tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Role</th><th scope="col">Acts for</th><th scope="col">State</th><th scope="col">Last used</th><th scope="col">Expires</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${rows}</tbody></table></div>`;
  return html`<div class="card card--flush">${table}</div>${form}`;
}

/** `formId` names this rendering of the form: sent twice (a reload), it makes one token. */
export function TokenForm(props: { csrf: string; formId: string; values: TokenFormValues; errors: readonly FieldError[] }): Html {
  const { field, rendered } = formFields(props.errors);
  const v = props.values;
  const roleSelect = (id: string, describedBy: string, invalid: Html) =>
    html`<select id="${id}" name="role"${describedBy ? html` aria-describedby="${describedBy}"` : nothing}${invalid}>${Role.options.map(
      (role) => html`<option value="${role}"${role === v.role ? html` selected` : nothing}>${role}</option>`,
    )}</select>`;
  return html`<section class="card" aria-labelledby="token-form-title"><h2 id="token-form-title">New API token</h2>
${errorSummary(props.errors, rendered)}
<form method="post" action="/admin/tokens" class="form" novalidate>
  ${csrfField(props.csrf)}
  <input type="hidden" name="formId" value="${props.formId}">
  ${field('name', 'Name', textControl('name', v.name, html` required maxlength="100"`), { hint: 'What uses it, e.g. ci-deploy or siem-export.' })}
  ${field('role', 'Role', roleSelect, { hint: 'viewer reads; operator also acts on tasks and runs; admin also configures.' })}
  ${field('expiresAt', 'Expires on', textControl('expiresOn', v.expiresOn, nothing, { type: 'date', className: 'input input--short' }), { optional: true, hint: 'At 00:00 UTC that day. Leave empty for a token that does not expire.' })}
  <p class="hint">The token acts for you: it cannot approve a credential rotation you requested.</p>
  <div class="form-actions"><button type="submit" class="button button--primary">Create token</button></div>
</form></section>`;
}

/** The new token, shown on this page only: only its hash is stored. */
export function CreatedToken(props: { name: string; token: string }): Html {
  return html`<section class="card" aria-labelledby="created-token-title"><h2 id="created-token-title">Token ${props.name}</h2>
<p>Copy it now and keep it in a secret store: it is not shown again.</p>
<p><code>${props.token}</code></p>
<p class="hint">Send it as <code>Authorization: Bearer &lt;token&gt;</code>.</p>
</section>`;
}

/**
 * Revoking takes a ticked confirmation, as deleting an integration or a route does: whatever sends
 * the token fails from its next request, and a revoked token cannot be brought back.
 */
export function RevokeTokenConfirmation(props: { token: ApiTokenRow; csrf: string }): Html {
  const { token } = props;
  return html`<section class="card card--danger" aria-labelledby="revoke-title">
  <h2 id="revoke-title">Revoke ${token.name}</h2>
  <dl class="props">
    <dt>Prefix</dt><dd><code>${token.display_prefix}…</code></dd>
    <dt>Role</dt><dd>${token.role}</dd>
    <dt>Last used</dt><dd>${token.last_used_at ? formatUtc(token.last_used_at) : html`<span class="muted">never</span>`}</dd>
  </dl>
  <p>Whatever sends this token is refused (401) from its next request on. This cannot be undone: to replace it, make a new token and give that to whatever used this one.</p>
  <form method="post" action="/admin/tokens/${token.id}/revoke" class="form">
    ${csrfField(props.csrf)}
    <div class="field field--checkbox"><input type="checkbox" id="confirm-revoke" name="confirm" value="yes" required><label for="confirm-revoke">I understand that ${token.name} stops working at once</label></div>
    <div class="form-actions">
      <button type="submit" class="button button--danger">Revoke token</button>
      <a class="button button--quiet" href="/admin/tokens">Cancel</a>
    </div>
  </form>
</section>`;
}
