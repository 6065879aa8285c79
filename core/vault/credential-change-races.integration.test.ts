import pg from 'pg';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConnector, type AnyConnector } from '../../connectors/sdk/define-connector.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { waitFor } from '../../test-support/wait-for.ts';
import { openCredentials } from '../integrations/integration-credentials.ts';

// Two admins change one integration's credentials at about the same time, one by rotation and the
// other by PATCH: neither may undo the other's secret, and the credential audit must chain (each
// entry's old fingerprint is the new fingerprint of the entry before it).

/** A connector whose connection check waits on a gate the test opens, to hold a rotation's check open. */
let gate: Promise<void> | undefined;
let entered: () => void = () => {};
const gated: AnyConnector = defineConnector({
  id: 'gated',
  displayName: 'Gated',
  description: 'check waits on a gate',
  config: z.strictObject({ name: z.string().default('x'), host: z.string().default('http://127.0.0.1:9') }),
  credentials: z.strictObject({ auth: z.strictObject({ type: z.literal('bearer'), token: z.string().min(1) }), webhookSecret: z.string().min(8).optional() }),
  auth: [{ type: 'bearer' }],
  baseUrl: (config: { host: string }) => config.host,
  async check() {
    entered();
    if (gate) await gate;
    return { ok: true, detail: 'ok' };
  },
  streams: {},
}) as unknown as AnyConnector;

const bearer = (token: string, webhookSecret?: string) => ({ auth: { type: 'bearer', token }, ...(webhookSecret ? { webhookSecret } : {}) });

async function createGated(test: TestHub, tenant: TestTenant, name: string, credentials: unknown): Promise<string> {
  const created = await test.request('post', '/api/integrations', { token: tenant.tokens.admin, body: { connector: 'gated', name, config: {}, credentials, schedules: {} } });
  expect(created.status).toBe(201);
  return (await created.json()).id;
}

describe.each(RUNTIME_MODES)('a rotation checked while a PATCH replaces the credentials ($name)', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  beforeAll(async () => {
    test = await startTestHub({ label: 'credential_change_races', ...options, connectors: [gated] });
    tenant = await test.createTenant('race');
  });
  afterAll(async () => {
    await test?.close();
  });

  it('is refused rather than put back the webhook secret the PATCH replaced', async () => {
    const id = await createGated(test, tenant, 'rotation-vs-patch', bearer('token-one-111111', 'whsec-old-00000000'));
    let open!: () => void;
    gate = new Promise<void>((resolve) => (open = resolve));
    const inCheck = new Promise<void>((resolve) => (entered = resolve));
    // A rotation of the bearer token only: the webhook secret it leaves out keeps its stored value.
    const rotation = test.request('post', `/api/integrations/${id}/credentials/rotate`, { token: tenant.tokens.admin, body: { credentials: bearer('token-rotated-333333'), reason: 'rotate token' } });
    await inCheck;
    entered = () => {};
    const patched = await test.request('patch', `/api/integrations/${id}`, { token: tenant.tokens.admin, body: { credentials: bearer('token-two-222222', 'whsec-new-99999999') } });
    expect(patched.status).toBe(200);
    open();
    gate = undefined;

    const rotated = await rotation;
    expect(rotated.status).toBe(409);
    expect((await rotated.json()).error.message).toContain('request the rotation again');
    const row = await test.hub.db.selectFrom('integration_configs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(openCredentials(test.hub, row)).toEqual(bearer('token-two-222222', 'whsec-new-99999999'));
  });

  it('is refused when the integration, holding no credentials, was moved to another host meanwhile', async () => {
    const id = await createGated(test, tenant, 'rotation-vs-move', undefined);
    let open!: () => void;
    gate = new Promise<void>((resolve) => (open = resolve));
    const inCheck = new Promise<void>((resolve) => (entered = resolve));
    const rotation = test.request('post', `/api/integrations/${id}/credentials/rotate`, { token: tenant.tokens.admin, body: { credentials: bearer('token-for-host-one'), reason: 'first credentials' } });
    await inCheck;
    entered = () => {};
    // Nothing stored, so nothing refuses the move.
    const moved = await test.request('patch', `/api/integrations/${id}`, { token: tenant.tokens.admin, body: { config: { host: 'http://127.0.0.2:9' } } });
    expect(moved.status).toBe(200);
    open();
    gate = undefined;

    const rotated = await rotation;
    expect(rotated.status).toBe(409);
    expect((await rotated.json()).error.message).toContain('moved to another host (http://127.0.0.2:9 instead of http://127.0.0.1:9)');
    const row = await test.hub.db.selectFrom('integration_configs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.credentials_ciphertext).toBeNull();
  });
});

describe('a PATCH of the credentials that waited for a rotation to commit (PostgreSQL)', () => {
  let test: TestHub;
  let tenant: TestTenant;
  beforeAll(async () => {
    test = await startTestHub({ label: 'credential_audit_chain', database: 'postgres', queue: 'memory', connectors: [gated] });
    tenant = await test.createTenant('chain');
  });
  afterAll(async () => {
    await test?.close();
  });

  async function waitingOnLocks(client: pg.Client): Promise<number> {
    const { rows } = await client.query(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
    return rows[0].n as number;
  }

  it('records the rotated secret as the one it replaced', async () => {
    const id = await createGated(test, tenant, 'chain', bearer('token-a-aaaaaaaaaaaa', 'whsec-first-1111'));
    // Something else holds the row for a moment, as any write of the integration does; the rotation
    // and then the PATCH queue behind it, both having read the credentials before either wrote.
    const holder = new pg.Client({ connectionString: test.hub.config.DATABASE_URL });
    const watcher = new pg.Client({ connectionString: test.hub.config.DATABASE_URL });
    await holder.connect();
    await watcher.connect();
    try {
      await holder.query('begin');
      await holder.query('select id from integration_configs where id = $1 for no key update', [id]);
      const rotation = test.request('post', `/api/integrations/${id}/credentials/rotate`, { token: tenant.tokens.admin, body: { credentials: bearer('token-r-rrrrrrrrrrrr', 'whsec-rotated-2222'), reason: 'rotate' } });
      await waitFor('the rotation waiting on the row', async () => (await waitingOnLocks(watcher)) >= 1);
      const patch = test.request('patch', `/api/integrations/${id}`, { token: tenant.tokens.admin, body: { credentials: bearer('token-b-bbbbbbbbbbbb', 'whsec-patched-3333') } });
      await waitFor('the PATCH waiting on the row', async () => (await waitingOnLocks(watcher)) >= 2);
      await holder.query('commit');
      const [rotated, patched] = await Promise.all([rotation, patch]);
      expect(rotated.status).toBe(200);
      expect(patched.status).toBe(200);
    } finally {
      await holder.end();
      await watcher.end();
    }

    const audit = (await (await test.request('get', `/api/integrations/${id}/credentials/audit`, { token: tenant.tokens.operator })).json()).entries as Array<{ action: string; oldFingerprint: string | null; newFingerprint: string | null }>;
    const oldestFirst = [...audit].reverse();
    expect(oldestFirst.map((entry) => entry.action)).toEqual(['set', 'rotated', 'replaced']);
    for (let index = 1; index < oldestFirst.length; index += 1) {
      expect(oldestFirst[index]!.oldFingerprint, `${oldestFirst[index]!.action} replaced what ${oldestFirst[index - 1]!.action} set`).toBe(oldestFirst[index - 1]!.newFingerprint);
    }
  });
});
