import { sql, type Kysely } from 'kysely';
import type { BreakerChange, BreakerState, OpenBreaker } from '../../connectors/sdk/breaker-registry.ts';
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
  cause: string | null;
}

/**
 * Writes one change; a change written later by another process is not overwritten by an older one.
 * Failing to write costs only the display of the breaker, so it is logged rather than thrown.
 */
export async function shareBreakerChange(db: Kysely<Database>, logger: Logger, integrationId: string, change: BreakerChange): Promise<void> {
  try {
    // From integration_configs, so a change reported after the integration was deleted writes nothing.
    await sql`insert into integration_breakers (integration_id, state, changed_at, reopens_at, cause)
      select id, ${change.state}, ${change.at}, ${change.reopensAt ?? null}, ${change.cause ?? null} from integration_configs where id = ${integrationId}
      on conflict (integration_id) do update set state = excluded.state, changed_at = excluded.changed_at, reopens_at = excluded.reopens_at, cause = excluded.cause
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

/** A process's own breaker: its state, and when that last changed. */
export interface LocalBreaker {
  state: BreakerState;
  changedAt: Date | undefined;
}

/**
 * The breaker shown for an integration: the worse of this process's own and the last change any
 * process shared. A shared open breaker past its reset time counts as half-open (the process that
 * opened it may be gone), and a success finished after a change, this process's own included (its
 * breaker stays half-open until it calls again), proves the upstream answers.
 */
export function effectiveBreaker(local: LocalBreaker, shared: SharedBreaker | undefined, lastSuccess: Date | null, now: Date): BreakerState {
  const provenSince = (changedAt: Date | undefined) => lastSuccess !== null && changedAt !== undefined && lastSuccess > changedAt;
  const own: BreakerState = provenSince(local.changedAt) ? 'closed' : local.state;
  let seen: BreakerState = 'closed';
  if (shared && shared.state !== 'closed' && !provenSince(shared.changed_at)) {
    seen = shared.state === 'open' && shared.reopens_at && shared.reopens_at <= now ? 'half_open' : shared.state;
  }
  return SEVERITY[own] >= SEVERITY[seen] ? own : seen;
}

// How stale the view of other processes' open breakers may be: a breaker another worker opened
// holds this one back within this time, and one it closed stops doing so within it.
const OPEN_ELSEWHERE_REFRESH_MS = 2_000;

export interface OpenBreakersView {
  /** Whether some process holds the breaker of `integrationId` open: until when, and why. */
  heldOpen(integrationId: string): Promise<OpenBreaker | undefined>;
  /** This process's own change, applied at once rather than at the next read. */
  note(integrationId: string, change: BreakerChange): void;
}

/**
 * The breakers held open anywhere, read from integration_breakers at most every couple of seconds
 * and only while calls are being made. A failed read keeps the last view: it costs the sharing,
 * never a call.
 */
export function openBreakersView(db: Kysely<Database>, logger: Logger, refreshMs = OPEN_ELSEWHERE_REFRESH_MS): OpenBreakersView {
  let open = new Map<string, { until: number; cause: string | undefined }>();
  let readAt = -Infinity;
  let reading: Promise<void> | undefined;

  async function read(): Promise<void> {
    try {
      const rows = await db
        .selectFrom('integration_breakers')
        .select(['integration_id', 'reopens_at', 'cause'])
        .where('state', '=', 'open')
        .where('reopens_at', '>', new Date())
        .execute();
      open = new Map(rows.map((row) => [row.integration_id, { until: row.reopens_at!.getTime(), cause: row.cause ?? undefined }]));
    } catch (error) {
      logger.warn({ err: error }, 'could not read the circuit breakers of other processes');
    } finally {
      readAt = performance.now();
    }
  }

  return {
    async heldOpen(integrationId) {
      if (performance.now() - readAt > refreshMs) {
        reading ??= read().finally(() => (reading = undefined));
        await reading;
      }
      const held = open.get(integrationId);
      return held !== undefined && held.until > Date.now() ? { until: new Date(held.until), cause: held.cause } : undefined;
    },
    note(integrationId, change) {
      if (change.state === 'open' && change.reopensAt) open.set(integrationId, { until: change.reopensAt.getTime(), cause: change.cause });
      else open.delete(integrationId);
    },
  };
}
