import { CSRF_FIELD } from '../auth/csrf.ts';
import { html, type Html } from '../html.ts';

export function csrfField(token: string): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;
}

/** A one-button POST form: the only way to change state, so it works without JavaScript. */
export function actionButton(options: { action: string; label: string; csrf: string; variant?: 'primary' | 'secondary' | 'danger'; fields?: Record<string, string> }): Html {
  const fields = Object.entries(options.fields ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
  return html`<form method="post" action="${options.action}" class="inline-form">${csrfField(options.csrf)}${fields}<button type="submit" class="button button--${options.variant ?? 'secondary'}">${options.label}</button></form>`;
}
