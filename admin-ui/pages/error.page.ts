import { html, type Html } from '../html.ts';

export interface ErrorView {
  status: number;
  code: string;
  message: string;
  requestId: string;
}

const TITLES: Record<number, string> = {
  400: 'Check your input',
  401: 'Sign in first',
  403: 'You do not have permission to do that',
  404: 'Page not found',
  409: 'That changed meanwhile',
  413: 'Too much data',
  429: 'Too many requests',
};

export function errorTitle(view: Pick<ErrorView, 'status' | 'code'>): string {
  if (view.code === 'csrf_failed') return 'This form could not be accepted';
  return TITLES[view.status] ?? 'Something went wrong';
}

// Messages from services are written to follow "error:"; on a page of their own they read as a sentence.
function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

export function ErrorPage(view: ErrorView): Html {
  const advice =
    view.code === 'csrf_failed'
      ? html`<p>For your security the hub only accepts forms it served itself, in this browser session. The form may have been open too long, or was sent from another site.</p>
<p>Go back, reload the page, and try again.</p>`
      : view.status === 403
        ? html`<p>Ask an administrator of this hub if you need a different role.</p>`
        : view.status === 404
          ? html`<p>It may have been deleted, or the link is wrong.</p>`
          : view.status >= 500
            ? html`<p>The error was logged. If it keeps happening, give the hub maintainers this reference: <code>${view.requestId}</code>.</p>`
            : html``;
  return html`<section class="card" aria-labelledby="error-message">
  <p id="error-message"><strong>${sentence(view.message)}</strong></p>
  ${advice}
  <p><a href="/admin/health">Back to the health overview</a></p>
</section>`;
}
