import type { HttpRequest } from './http.types.ts';

const ABSOLUTE = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * The absolute URL of a request. A relative URL is appended to the base URL's path (as got's
 * prefixUrl does) rather than resolved WHATWG-style, so "/rest/api/3/issue" under
 * "https://api.atlassian.com/ex/jira/{cloudId}" keeps the cloud id. Query parameters are added
 * to any already in the URL (e.g. a Link header's next page), not substituted for them.
 */
export function resolveRequestUrl(baseUrl: string, request: Pick<HttpRequest, 'url' | 'query'>): URL {
  const url = ABSOLUTE.test(request.url)
    ? new URL(request.url)
    : new URL(`${baseUrl.replace(/\/+$/, '')}/${request.url.replace(/^\/+/, '')}`);
  for (const [name, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  return url;
}
