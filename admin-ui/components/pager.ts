import { html, nothing, type Html } from '../html.ts';

/** "Older" link for keyset paging: the current filters plus `before` = the last row's time. */
export function olderLink(path: string, query: Record<string, string | undefined>, last: Date | undefined, full: boolean): Html {
  if (!full || !last) return nothing;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value && key !== 'before') params.set(key, value);
  params.set('before', last.toISOString());
  return html`<nav class="pager" aria-label="Pages"><span></span><a class="button" href="${path}?${params.toString()}">Older →</a></nav>`;
}
