import { html, nothing, type Html } from '../html.ts';
import { formatUtc, relative } from './time.ts';

const WARN_DAYS = 14;

/** "Expires in 12 days" (amber within two weeks), "Expired 3 days ago" (red), or nothing when no expiry is known. */
export function credentialExpiry(expiresAt: Date | null, now: Date, options: { empty?: string } = {}): Html {
  if (!expiresAt) return options.empty === undefined ? nothing : html`<span class="muted">${options.empty}</span>`;
  const days = (expiresAt.getTime() - now.getTime()) / 86_400_000;
  const when = relative(expiresAt, now);
  const title = formatUtc(expiresAt);
  if (days <= 0) return html`<span class="badge badge--bad" title="${title}">Expired ${when}</span>`;
  if (days <= WARN_DAYS) return html`<span class="badge badge--warn" title="${title}">Expires ${when}</span>`;
  return html`<span title="${title}">Expires ${when}</span>`;
}
