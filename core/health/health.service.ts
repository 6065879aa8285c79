import type { DependencyCheck, HealthReport } from '../../schemas/api/health.schema.ts';
import type { HubContext } from '../server/hub-context.ts';
import { hubVersion } from '../server/version.ts';
import { withTimeout } from '../timing/deadline.ts';

// A dependency that does not answer within this bound counts as down: the health endpoint must
// answer quickly even while Redis or Postgres hang.
const CHECK_TIMEOUT_MS = 2_000;
const startedAt = Date.now();

async function check(kind: string, probe: () => Promise<void>): Promise<DependencyCheck> {
  const started = performance.now();
  try {
    await withTimeout(probe(), CHECK_TIMEOUT_MS, () => new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`));
    return { status: 'up', kind, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { status: 'down', kind, latencyMs: Math.round(performance.now() - started), error: message };
  }
}

export async function healthReport(hub: HubContext): Promise<HealthReport> {
  const [database, queue] = await Promise.all([
    check(hub.database.kind, () => hub.database.ping()),
    check(hub.queue.kind === 'bullmq' ? 'redis' : 'in-process', () => hub.queue.ping()),
  ]);
  return {
    status: database.status === 'up' && queue.status === 'up' ? 'ok' : 'unavailable',
    role: hub.config.HUB_ROLE,
    version: hubVersion,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    checks: { database, queue },
  };
}
