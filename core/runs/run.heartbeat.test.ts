import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HubContext } from '../server/hub-context.ts';
import { withHeartbeat } from './run.heartbeat.ts';
import { handOverPolls } from './run-handover.ts';
import type { RunAttempt } from './run.repository.ts';

vi.mock('./run.repository.ts', () => ({ touchRun: vi.fn(async () => false), handBackRun: vi.fn() }));

// A beat that finds its run no longer held warns of a takeover, except on a stopping process: it
// handed its polls back itself, and a beat landing just after is no takeover.

describe('withHeartbeat', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function fakeHub(): { hub: HubContext; warn: ReturnType<typeof vi.fn> } {
    const warn = vi.fn();
    const hub = { db: {}, config: { HUB_RUN_LEASE_SECONDS: 3 }, logger: { warn, info: vi.fn() } } as unknown as HubContext;
    return { hub, warn };
  }

  async function beatOnce(hub: HubContext): Promise<void> {
    let finish = () => {};
    const working = withHeartbeat(hub, { id: 'run-1', attempts: 1 } as RunAttempt, () => new Promise<void>((resolve) => (finish = resolve)));
    await vi.advanceTimersByTimeAsync(1_100);
    finish();
    await working;
  }

  it('warns when another process took the run over', async () => {
    const { hub, warn } = fakeHub();
    await beatOnce(hub);
    expect(warn).toHaveBeenCalledWith({ runId: 'run-1', attempt: 1 }, expect.stringContaining('taken over'));
  });

  it('stays quiet about a run its own stop handed back', async () => {
    const { hub, warn } = fakeHub();
    await handOverPolls(hub, 0);
    await beatOnce(hub);
    expect(warn).not.toHaveBeenCalled();
  });
});
