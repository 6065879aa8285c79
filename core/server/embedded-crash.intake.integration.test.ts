import { afterAll, describe, expect, it } from 'vitest';
import { embeddedHubs, type EmbeddedHub } from '../../test-support/embedded-hub.ts';
import { runHubCommand } from '../../test-support/hub-process.ts';
import { incidentDelivery } from '../../test-support/incidents-to-slack.ts';
import { SERVICENOW_SCHEDULES_OFF } from '../../test-support/schedules-off.ts';

// README: in embedded mode a webhook answered 202 survives the hub's process being killed (PGlite
// writes each commit to the data directory's files before the answer), and a lock left by a process
// that no longer runs is no lock. So a kill -9 or a SIGTERM in the middle of a burst must not take an
// acknowledged delivery with it, and a CLI command run after the crash gets onto the data directory
// (asserted by what it does, not by the lock's files, which are the lock's own business).

/** Deliveries in flight at any moment: each sender posts its next one when the last is answered. */
const SENDERS = 32;
/** The burst is interrupted once this many deliveries are acknowledged, while others are in flight. */
const INTERRUPT_AFTER = 20;
/** A bound that only a hub that never goes away reaches; the test then fails on `unanswered`. */
const MAX_DELIVERIES = 20_000;

const hubs = embeddedHubs();
afterAll(() => hubs.removeAll());

async function webhookSource(hub: EmbeddedHub): Promise<{ sourceId: string; webhookSecret: string }> {
  const webhookSecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
  const created = await hub.api('POST', '/api/integrations', {
    connector: 'servicenow', name: 'SN incidents', config: { instanceUrl: 'http://127.0.0.1:9' },
    credentials: { auth: { type: 'basic', username: 'svc', password: 'pw-123456' }, webhookSecret },
    schedules: SERVICENOW_SCHEDULES_OFF,
  });
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  return { sourceId: created.json.id as string, webhookSecret };
}

interface Burst {
  /** The event ids of every 202. */
  accepted: string[];
  /** Deliveries the dying hub did not answer: at least one shows the interruption fell inside the burst. */
  unanswered: number;
}

/**
 * Keeps SENDERS deliveries in flight until the hub goes away, and calls `interrupt` once
 * INTERRUPT_AFTER are acknowledged. Sending until the hub is gone, rather than a fixed number,
 * makes sure the interruption lands in the middle of the traffic however fast the hub answers.
 */
async function burstInterrupted(hub: EmbeddedHub, interrupt: () => void): Promise<Burst> {
  const { sourceId, webhookSecret } = await webhookSource(hub);
  const burst: Burst = { accepted: [], unanswered: 0 };
  let sent = 0;
  let interrupted = false;
  const sender = async (): Promise<void> => {
    while (sent < MAX_DELIVERIES) {
      const n = sent++;
      try {
        const response = await fetch(`http://127.0.0.1:${hub.port}/hooks/${sourceId}`, incidentDelivery({ webhookSecret }, n));
        if (response.status === 202) burst.accepted.push(...((await response.json()) as { eventIds: string[] }).eventIds);
        else await response.text();
      } catch {
        // The hub went away under this one: not acknowledged, so a sender would send it again.
        burst.unanswered += 1;
        return;
      }
      if (burst.accepted.length >= INTERRUPT_AFTER && !interrupted) {
        interrupted = true;
        interrupt();
      }
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, sender));
  expect(burst.accepted.length).toBeGreaterThanOrEqual(INTERRUPT_AFTER);
  expect(burst.unanswered, 'the interruption fell inside the burst').toBeGreaterThan(0);
  return burst;
}

/** The acknowledged events the (restarted) hub cannot show. */
async function missingEvents(hub: EmbeddedHub, eventIds: string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const id of eventIds) {
    const answer = await hub.api('GET', `/api/events/${id}`);
    if (answer.status !== 200) missing.push(`${id}: ${answer.status}`);
  }
  return missing;
}

describe('embedded mode stopped in the middle of a webhook burst', { timeout: 180_000 }, () => {
  it('kill -9: every delivery answered 202 is stored, and the hub restarts on the same data directory', async () => {
    const hub = await hubs.started('crash-webhooks');
    let crashed: Promise<void> | undefined;
    const { accepted } = await burstInterrupted(hub, () => (crashed = hub.crash()));
    await crashed;

    await hub.start();
    expect(await missingEvents(hub, accepted)).toEqual([]);
  });

  it('SIGTERM: the hub exits 0 and keeps every delivery it answered 202', async () => {
    const hub = await hubs.started('crash-sigterm');
    let stopped: Promise<number | null> | undefined;
    const { accepted } = await burstInterrupted(hub, () => (stopped = hub.process.stop('SIGTERM')));
    expect(await stopped).toBe(0);

    await hub.start();
    expect(await missingEvents(hub, accepted)).toEqual([]);
  });

  it('the CLI is refused while the hub runs, and after a kill -9 works on what the hub committed', async () => {
    const hub = await hubs.started('crash-cli');
    expect((await hub.api('POST', '/api/tokens', { name: 'made-before-crash', role: 'viewer' })).status).toBe(201);
    const refused = await runHubCommand(['token', 'list', '--tenant', 'default'], hub.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('another hub process');

    await hub.crash();
    const listed = await runHubCommand(['token', 'list', '--tenant', 'default'], hub.env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain('made-before-crash');
    const created = await runHubCommand(['token', 'create', '--tenant', 'default', '--role', 'admin', '--name', 'made-after-crash'], hub.env);
    expect(created.code, created.stderr).toBe(0);
    const cliToken = /hub_[A-Za-z0-9_-]{43}/.exec(created.stdout)?.[0];
    expect(cliToken, created.stdout).toBeDefined();

    // What the CLI wrote is the hub's on its next start.
    await hub.start();
    const tokens = await fetch(`http://127.0.0.1:${hub.port}/api/tokens`, { headers: { authorization: `Bearer ${cliToken}` } });
    expect(tokens.status).toBe(200);
  });
});
