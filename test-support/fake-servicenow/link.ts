// The paging Link header as the Table API sends it: absolute URLs repeating the request's query
// with only sysparm_offset changed.

export function pageLinks(requestUrl: URL, offset: number, limit: number, total: number): string {
  const at = (pageOffset: number): string => {
    const url = new URL(requestUrl);
    url.searchParams.set('sysparm_offset', String(pageOffset));
    url.searchParams.set('sysparm_limit', String(limit));
    return url.toString();
  };
  const links: Array<[string, number]> = [['first', 0]];
  if (offset > 0) links.push(['prev', Math.max(0, offset - limit)]);
  if (offset + limit < total) links.push(['next', offset + limit]);
  links.push(['last', total === 0 ? 0 : Math.floor((total - 1) / limit) * limit]);
  return links.map(([rel, pageOffset]) => `<${at(pageOffset)}>;rel="${rel}"`).join(',');
}
