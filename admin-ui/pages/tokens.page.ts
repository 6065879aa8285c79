import type { LineToken } from '../../core/auth/api-token-line.repository.ts';
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
  /** For each token, how many tokens made from it (at any depth) still work. */
  activeDescendants: ReadonlyMap<string, number>;
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

/** The token or admin UI user that made it; otherwise what was recorded (the CLI, first start). */
function madeBy(token: ApiTokenRow, view: TokensView): Html {
  if (token.created_by_token_id) return html`token ${view.personNames.get(`token:${token.created_by_token_id}`) ?? 'unknown'}`;
  if (token.created_by_user_id) {
    const person = `user:${token.created_by_user_id}`;
    return person === view.me ? html`you` : html`${view.personNames.get(person) ?? 'a removed user'}`;
  }
  return html`<span class="muted">${token.created_by}</span>`;
}

function revokeAction(token: ApiTokenRow, state: ReturnType<typeof stateOf>, view: TokensView): Html {
  if (state === 'active') return html`<a class="button button--danger" href="/admin/tokens/${token.id}/revoke" aria-label="Revoke ${token.name}">Revoke</a>`;
  // Revoked alone earlier, or expired: what it made may still work, and may be what a leak left.
  const left = view.activeDescendants.get(token.id) ?? 0;
  if (left === 0) return nothing;
  return html`<a class="button button--danger" href="/admin/tokens/${token.id}/revoke" aria-label="Revoke the ${left} tokens made from ${token.name}">Revoke ${left} made from it</a>`;
}

export function TokensPage(view: TokensView, form: Html): Html {
  const rows = view.tokens.map((token) => {
    const state = stateOf(token, view.now);
    return html`<tr>
  <th scope="row">${token.name}</th>
  <td><code>${token.display_prefix}…</code></td>
  <td>${token.role}</td>
  <td>${actsFor(token, view)}</td>
  <td>${madeBy(token, view)}</td>
  <td>${state === 'active' ? 'Active' : html`<span class="muted">${state === 'revoked' ? 'Revoked' : 'Expired'}</span>`}</td>
  <td>${token.last_used_at ? formatUtc(token.last_used_at) : html`<span class="muted">never</span>`}</td>
  <td>${token.expires_at ? formatUtc(token.expires_at) : html`<span class="muted">never</span>`}</td>
  <td class="nowrap">${revokeAction(token, state, view)}</td>
</tr>`;
  });
  const table =
    view.tokens.length === 0
      ? html`<p class="empty">No API tokens yet.</p>`
      : html`<div class="table-wrap"><table><thead><tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Role</th><th scope="col">Acts for</th><th scope="col">Made by</th><th scope="col">State</th><th scope="col">Last used</th><th scope="col">Expires</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody>${rows}</tbody></table></div>`;
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
 * the token fails from its next request, and a revoked token cannot be brought back. The tokens made
 * from it that still work are named, and revoking them too is asked, not assumed: after a leak they
 * are what the attacker made, but a CI token's own automation tokens are often meant to outlive it.
 */
export function RevokeTokenConfirmation(props: { token: ApiTokenRow; descendants: readonly LineToken[]; namesById: ReadonlyMap<string, string>; csrf: string }): Html {
  const { token, descendants } = props;
  const count = descendants.length;
  const tokens = count === 1 ? 'token' : 'tokens';
  const alreadyRevoked = token.revoked_at !== null;
  const list = html`<ul>${descendants.map(
    (d) => html`<li>${d.name} <span class="muted">(made by ${d.created_by_token_id ? (props.namesById.get(d.created_by_token_id) ?? 'unknown') : 'unknown'})</span></li>`,
  )}</ul>`;
  const withDescendants = alreadyRevoked
    ? html`<input type="hidden" name="withDescendants" value="yes">`
    : count > 0
      ? html`<div class="field field--checkbox"><input type="checkbox" id="revoke-descendants" name="withDescendants" value="yes"><label for="revoke-descendants">Also revoke the ${count} ${tokens} made from ${token.name}</label></div>`
      : nothing;
  return html`<section class="card card--danger" aria-labelledby="revoke-title">
  <h2 id="revoke-title">${alreadyRevoked ? html`Revoke the tokens made from ${token.name}` : html`Revoke ${token.name}`}</h2>
  <dl class="props">
    <dt>Prefix</dt><dd><code>${token.display_prefix}…</code></dd>
    <dt>Role</dt><dd>${token.role}</dd>
    <dt>Last used</dt><dd>${token.last_used_at ? formatUtc(token.last_used_at) : html`<span class="muted">never</span>`}</dd>
  </dl>
  ${alreadyRevoked
    ? html`<p>${token.name} is revoked already.</p>`
    : html`<p>Whatever sends this token is refused (401) from its next request on. This cannot be undone: to replace it, make a new token and give that to whatever used this one.</p>`}
  ${count > 0
    ? html`<p><strong>${token.name} made ${count} ${tokens} that still work</strong> (itself, or through tokens it made). If ${token.name} leaked, revoke them too: they may be what was made with it.</p>${list}`
    : nothing}
  <form method="post" action="/admin/tokens/${token.id}/revoke" class="form">
    ${csrfField(props.csrf)}
    ${withDescendants}
    <div class="field field--checkbox"><input type="checkbox" id="confirm-revoke" name="confirm" value="yes" required><label for="confirm-revoke">${
      alreadyRevoked ? html`I understand that the ${count} ${tokens} made from ${token.name} stop working at once` : html`I understand that ${token.name} stops working at once`
    }</label></div>
    <div class="form-actions">
      <button type="submit" class="button button--danger">${alreadyRevoked ? `Revoke ${count} ${tokens}` : 'Revoke token'}</button>
      <a class="button button--quiet" href="/admin/tokens">Cancel</a>
    </div>
  </form>
</section>`;
}
