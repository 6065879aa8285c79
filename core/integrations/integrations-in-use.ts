import type { Kysely } from 'kysely';
import type { Database } from '../db/database.types.ts';
import { isUuidText } from '../db/uuid-text.ts';
import type { Logger } from '../logging/logger.ts';

// A process keeps some state per integration it has worked for (a circuit breaker each). A deletion
// made in another process never reaches it, so it asks the database which of those still exist.

/**
 * Which of `ids` still name an integration. When the database cannot say, all of them: dropping
 * the state of a live integration would cost more than keeping that of a deleted one a while.
 */
export async function integrationsInUse(db: Kysely<Database>, logger: Logger, ids: readonly string[]): Promise<ReadonlySet<string>> {
  // Anything but a UUID names no integration, and would fail the whole query.
  const candidates = ids.filter((id) => isUuidText(id));
  if (candidates.length === 0) return new Set();
  try {
    const rows = await db.selectFrom('integration_configs').select('id').where('id', 'in', candidates).execute();
    return new Set(rows.map((row) => row.id));
  } catch (error) {
    logger.warn({ err: error, integrations: ids.length }, 'could not tell which integrations still exist; keeping their state');
    return new Set(ids);
  }
}
