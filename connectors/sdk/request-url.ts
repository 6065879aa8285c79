import { ConnectorError } from './failure.ts';
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

/**
 * The integration's credentials go to its base URL's origin only. A relative URL cannot leave it
 * (it is appended to the base, leading slashes dropped); an absolute one can, e.g. a pagination
 * link taken from an upstream answer, so a request that would carry them elsewhere is refused
 * before anything is sent.
 */
export function assertCredentialsStayOnBase(url: URL, baseUrl: string): void {
  const home = new URL(baseUrl).origin;
  if (url.origin === home) return;
  throw new ConnectorError(
    'upstream_bad_response',
    `refused to send the integration's credentials to ${url.origin}${url.pathname}: they only go to ${home}`,
  );
}
