import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

/**
 * The headers `secureHeaders()` puts on every Hono response, read off a probe response once, for
 * responses written without Hono (the webhook listener) so that every answer carries the same set.
 */
export async function secureHeaderEntries(): Promise<Array<[string, string]>> {
  const probe = new Hono();
  probe.use('*', secureHeaders());
  probe.get('/', (c) => c.body(null, 204));
  const response = await probe.request('/');
  return [...response.headers.entries()];
}
