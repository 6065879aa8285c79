import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../db/database.connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { runHubCommand, spawnHub } from '../../test-support/hub-process.ts';
import { createTestDatabase, type TestDatabase } from '../../test-support/test-database.ts';
import { parseMasterKeys, type MasterKeySet } from './master-keys.ts';
import { rotateMasterKey } from './master-key.rotation.ts';
import { seal, unseal } from './secret-box.ts';

const ROWS = 10_000;
const k1 = `1:${Buffer.alloc(32, 11).toString('base64')}`;
const k2 = `2:${Buffer.alloc(32, 22).toString('base64')}`;
const keysOf = (text: string): MasterKeySet => {
  const parsed = parseMasterKeys(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.keys;
};
const v1 = keysOf(k1);
const both = keysOf(`${k2},${k1}`);
const owner = (id: string) => `integration:${id}:credentials`;

let database: TestDatabase;
let handle: DatabaseHandle;
let tenantId: string;
const originals = new Map<string, string>();

beforeAll(async () => {
  database = await createTestDatabase('master_keys');
  handle = await connectDatabase({ url: database.url, dataDir: '' });
  await migrateToLatest(handle.db as never);
  tenantId = (await handle.db.insertInto('tenants').values({ slug: 'acme', name: 'Acme' }).returning('id').executeTakeFirstOrThrow()).id;
  for (let start = 0; start < ROWS; start += 1000) {
    const rows = Array.from({ length: Math.min(1000, ROWS - start) }, (_, i) => {
      const id = crypto.randomUUID();
      const secret = JSON.stringify({ auth: { type: 'basic', username: `user-${start + i}`, password: `secret-${start + i}-${Math.random()}` } });
      originals.set(id, secret);
      const sealed = seal(v1, secret, { tenantId, owner: owner(id) });
      return {
        id, tenant_id: tenantId, connector: 'servicenow', name: `integration-${start + i}`, environment: 'production' as const,
        credentials_ciphertext: sealed.ciphertext, credentials_key_version: sealed.keyVersion,
      };
    });
    await handle.db.insertInto('integration_configs').values(rows).execute();
  }
}, 120_000);
afterAll(async () => {
  await handle?.close();
  await database?.drop();
});

const env = (keys: string) => ({ DATABASE_URL: database.url, HUB_MASTER_KEYS: keys, LOG_LEVEL: 'silent' });
async function versionCounts(): Promise<Record<number, number>> {
  const rows = await handle.db
    .selectFrom('integration_configs')
    .select(['credentials_key_version as version', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('credentials_key_version')
    .execute();
  return Object.fromEntries(rows.map((row) => [Number(row.version), Number(row.n)]));
}

describe('master-key rotation', { timeout: 120_000 }, () => {
  it('refuses to start with a key set that cannot decrypt stored rows, naming version and count', async () => {
    const result = await runHubCommand(['start'], env(k2));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^hub: HUB_MASTER_KEYS cannot decrypt stored secrets: 10000 rows of integration_configs\.credentials_ciphertext use key version 1/);
  });

  it('re-encrypts 10,000 credentials, survives a kill halfway, and resumes to every row on the new key', async () => {
    const first = spawnHub(['keys', 'rotate'], env(`${k2},${k1}`));
    for (;;) {
      const counts = await versionCounts();
      if ((counts[2] ?? 0) >= 2_000 || first.child.exitCode !== null) break;
      await sleep(20);
    }
    await first.stop('SIGKILL');
    const halfway = await versionCounts();
    expect(halfway[2]).toBeGreaterThan(0);
    expect(halfway[1]).toBeGreaterThan(0);
    expect(first.stderr()).toMatch(/\[#*\.*\] [\d,]+\/10,000 rows/);

    const status = await runHubCommand(['keys', 'status'], env(`${k2},${k1}`));
    expect(status.stdout).toMatch(/integration_configs\.credentials_ciphertext\s+v1\s+\d+ rows  ← rotate/);

    const started = Date.now();
    const resumed = await runHubCommand(['keys', 'rotate'], env(`${k2},${k1}`));
    const seconds = (Date.now() - started) / 1000;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/^rotated \d+ secrets to key version 2 in [\d.]+ s$/m);
    console.info(`master-key rotation resumed: ${halfway[1]} rows in ${seconds.toFixed(2)} s including process start (${Math.round((halfway[1] ?? 0) / seconds)} rows/s)`);

    expect(await versionCounts()).toEqual({ 2: ROWS });
    const rows = await handle.db.selectFrom('integration_configs').select(['id', 'credentials_ciphertext', 'credentials_key_version']).execute();
    const v2Only = keysOf(k2);
    for (const row of rows) {
      const plaintext = unseal(v2Only, { ciphertext: row.credentials_ciphertext ?? '', keyVersion: row.credentials_key_version ?? 0 }, { tenantId, owner: owner(row.id) });
      expect(plaintext).toBe(originals.get(row.id));
    }
    const after = await runHubCommand(['keys', 'status'], env(`${k2},${k1}`));
    expect(after.stdout).toContain('no row uses version 1: it can be removed from HUB_MASTER_KEYS');
  });

  it('keeps a credential written during the rotation', async () => {
    const v3 = `3:${Buffer.alloc(32, 33).toString('base64')}`;
    const three = keysOf(`${v3},${k2},${k1}`);
    const [target] = await handle.db.selectFrom('integration_configs').select('id').orderBy('id').limit(1).execute();
    const id = target?.id ?? '';
    const fresh = JSON.stringify({ auth: { type: 'basic', username: 'changed', password: 'written-during-rotation' } });
    let written = false;
    const started = performance.now();
    await rotateMasterKey(handle.db, three, {
      batchSize: 250,
      async beforeWrite(ids) {
        if (written || !ids.includes(id)) return;
        written = true;
        // A process that has not restarted yet writes with key 2 between our read and our write.
        const sealed = seal(both, fresh, { tenantId, owner: owner(id) });
        await handle.db.updateTable('integration_configs').set({ credentials_ciphertext: sealed.ciphertext, credentials_key_version: 2 }).where('id', '=', id).execute();
      },
    });
    const seconds = (performance.now() - started) / 1000;
    console.info(`master-key rotation in-process: ${ROWS} rows in ${seconds.toFixed(2)} s (${Math.round(ROWS / seconds)} rows/s)`);
    expect(written).toBe(true);
    expect(await versionCounts()).toEqual({ 3: ROWS });
    const row = await handle.db.selectFrom('integration_configs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(unseal(three, { ciphertext: row.credentials_ciphertext ?? '', keyVersion: 3 }, { tenantId, owner: owner(id) })).toBe(fresh);
  });
});
