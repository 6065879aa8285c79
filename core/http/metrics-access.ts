import { hash, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from './api-error.ts';
import { bearerToken } from './authenticate.ts';

// /metrics names every tenant's integrations with their health. With HUB_METRICS_TOKEN set, only a
// scraper sending that token reads it; unset, it stays open for a scraper on a private network.

const digest = (text: string): Buffer => hash('sha256', text, 'buffer') as unknown as Buffer;

/** Refuses a scrape without the configured token; compares in constant time. */
export function checkMetricsAccess(configured: string | undefined, authorization: string | undefined): void {
  if (configured === undefined) return;
  const sent = bearerToken(authorization) ?? '';
  // Hashed first: equal lengths for timingSafeEqual, and no length of the token given away.
  if (!timingSafeEqual(digest(sent), digest(configured))) {
    throw new UnauthorizedError('/metrics needs the token of HUB_METRICS_TOKEN: send Authorization: Bearer <token>');
  }
}
