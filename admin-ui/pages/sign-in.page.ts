import { csrfField } from '../components/csrf-field.ts';
import { noticeBanner, type Notice } from '../components/notice.ts';
import { html, nothing, type Html } from '../html.ts';
import { bareLayout } from '../layout.ts';

export interface SignInView {
  csrf: string;
  workspace: string;
  email?: string;
  next?: string;
  error?: string;
  notice?: Notice | undefined;
}

export function SignInPage(view: SignInView): Html {
  const error = view.error
    ? html`<div class="error-summary" role="alert" aria-labelledby="signin-error-title" tabindex="-1">
  <h2 id="signin-error-title" class="error-summary__title">Sign-in failed</h2>
  <p>${view.error}</p>
</div>`
    : nothing;
  const body = html`<section class="card card--narrow" aria-labelledby="signin-title">
  <h1 id="signin-title">Sign in</h1>
  <p class="muted">Use the email and password your hub administrator set up for you.</p>
  ${noticeBanner(view.notice)}
  ${error}
  <form method="post" action="/admin/login" class="form" novalidate>
    ${csrfField(view.csrf)}
    <input type="hidden" name="next" value="${view.next ?? ''}">
    <div class="field">
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autocomplete="username" required value="${view.email ?? ''}" ${view.email ? nothing : html`autofocus`}>
    </div>
    <div class="field">
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required ${view.email ? html`autofocus` : nothing}>
    </div>
    <details class="workspace"${view.workspace !== 'default' ? html` open` : nothing}>
      <summary>Workspace: <strong>${view.workspace}</strong></summary>
      <div class="field">
        <label for="workspace">Workspace</label>
        <p class="hint" id="workspace-hint">The tenant you belong to, as your administrator named it.</p>
        <input id="workspace" name="workspace" type="text" autocomplete="organization" aria-describedby="workspace-hint" value="${view.workspace}">
      </div>
    </details>
    <button type="submit" class="button button--primary button--block">Sign in</button>
  </form>
</section>
<p class="bare__footnote">No account yet? An administrator creates one with <code>hub user create</code>.</p>`;
  return bareLayout('Sign in', body);
}
