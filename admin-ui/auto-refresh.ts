import { html, nothing, type Html } from './html.ts';

// Pages carry no scripts, so a page that shows work in progress reloads itself with a meta refresh
// (the Content-Security-Policy governs fetches and scripts, not this). A reload throws away
// whatever was typed into the page, so a page with a form in its body never refreshes itself:
// values are escaped, so only the page's own markup can contain "<form". The sign-out button in
// the header is outside the body and has nothing to type into.

export function containsForm(body: Html): boolean {
  return body.toString().includes('<form');
}

/** The meta refresh for `seconds`, or nothing when the page must not reload itself. */
export function refreshMeta(seconds: number | undefined, body: Html): Html {
  if (seconds === undefined || containsForm(body)) return nothing;
  return html`<meta http-equiv="refresh" content="${seconds}">`;
}
