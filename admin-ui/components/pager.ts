import { html, nothing, type Html } from '../html.ts';

/**
 * "Older" link for keyset paging: the current filters plus where the last row stands, `before` =
 * its time at full precision (microseconds) and `beforeId` = its id, so rows of the same instant
 * are on the next page rather than skipped.
 */
export function olderLink(path: string, query: Record<string, string | undefined>, last: { at: string; id: string } | undefined, full: boolean): Html {
  if (!full || !last) return nothing;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value && key !== 'before' && key !== 'beforeId') params.set(key, value);
  params.set('before', last.at);
  params.set('beforeId', last.id);
  return html`<nav class="pager" aria-label="Pages"><span></span><a class="button" href="${path}?${params.toString()}">Older →</a></nav>`;
}
