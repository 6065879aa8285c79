import { sql, type Kysely } from 'kysely';
import type { BreakerChange, BreakerState } from '../../connectors/sdk/breaker-registry.ts';
import type { Database } from '../db/database.types.ts';
import type { Logger } from '../logging/logger.ts';

// Breakers live in the process making the upstream calls. Each change is written to
// integration_breakers so that health reads the same breaker in every process: an API process of a
// scaled-out hub makes no upstream calls, and its own breakers would always say `closed`.

const SEVERITY: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

export interface SharedBreaker {
  integration_id: string;
  state: BreakerState;
  changed_at: Date;
  reopens_at: Date | null;
}

/**
 * Writes one change; a change written later by another process is not overwritten by an older one.
 * Failing to write costs only the display of the breaker, so it is logged rather than thrown.
 */
export async function shareBreakerChange(db: Kysely<Database>, logger: Logger, integrationId: string, change: BreakerChange): Promise<void> {
  try {
    // From integration_configs, so a change reported after the integration was deleted writes nothing.
    await sql`insert into integration_breakers (integration_id, state, changed_at, reopens_at)
      select id, ${change.state}, ${change.at}, ${change.reopensAt ?? null} from integration_configs where id = ${integrationId}
      on conflict (integration_id) do update set state = excluded.state, changed_at = excluded.changed_at, reopens_at = excluded.reopens_at
      where integration_breakers.changed_at <= excluded.changed_at`.execute(db);
  } catch (error) {
    logger.warn({ err: error, integrationId, state: change.state }, 'could not share a circuit breaker change');
  }
}

export async function sharedBreakers(db: Kysely<Database>, integrationIds: readonly string[]): Promise<Map<string, SharedBreaker>> {
  if (integrationIds.length === 0) return new Map();
  const rows = await db.selectFrom('integration_breakers').selectAll().where('integration_id', 'in', integrationIds).execute();
  return new Map(rows.map((row) => [row.integration_id, row]));
}

/**
 * The breaker shown for an integration: the worse of this process's own and the last change any
 * process shared. A shared open breaker past its reset time counts as half-open (the process that
 * opened it may be gone), and a success finished after the change proves the upstream answers.
 */
export function effectiveBreaker(local: BreakerState, shared: SharedBreaker | undefined, lastSuccess: Date | null, now: Date): BreakerState {
  let seen: BreakerState = 'closed';
  if (shared && shared.state !== 'closed' && !(lastSuccess && lastSuccess > shared.changed_at)) {
    seen = shared.state === 'open' && shared.reopens_at && shared.reopens_at <= now ? 'half_open' : shared.state;
  }
  return SEVERITY[local] >= SEVERITY[seen] ? local : seen;
}
