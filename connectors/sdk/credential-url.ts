import { isIP } from 'node:net';
import type { z } from 'zod';
import { alwaysRefusedAddress } from './upstream-address-policy.ts';

// A base URL that the connector's credentials go to with every request (an instance, an API
// base): reached over TLS only, since a token or password sent in clear is as good as published;
// plain http is for the local fake upstreams tests start. It holds no user name or password
// either (config is shown to every viewer, unlike credentials), nor a query or fragment. Nor does it
// name an address the hub does not call (cloud instance metadata, 0.0.0.0): refused when connecting
// anyway (upstream-address-guard.ts), but the admin learns it when saving.

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Adds an issue to `ctx` for each way `value` is not such a URL, and answers the parsed URL when it
 * is one at all, for the caller's own checks (a path, a trailing slash).
 */
export function checkCredentialUrl(value: string, ctx: z.RefinementCtx, example: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `must be a URL such as ${example}` });
    return undefined;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname))) {
    ctx.addIssue({ code: 'custom', message: 'must start with https:// (plain http is accepted only for localhost)' });
  }
  if (url.username || url.password || url.search || url.hash) {
    ctx.addIssue({ code: 'custom', message: `must not hold a user name, password, query or fragment, e.g. ${example}` });
  }
  const refused = namedAddressRefused(url);
  if (refused !== undefined) ctx.addIssue({ code: 'custom', message: refused });
  return url;
}

function namedAddressRefused(url: URL): string | undefined {
  const address = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(address) === 0) return undefined;
  const refused = alwaysRefusedAddress(address);
  return refused === undefined ? undefined : `must not name ${address}: ${refused}, which the hub does not call`;
}
