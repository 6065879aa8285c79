import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../db/database.connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { runHubCommand } from '../../test-support/hub-process.ts';
import { createTestDatabase, type TestDatabase } from '../../test-support/test-database.ts';
import { ensureTenant } from '../tenancy/tenant.repository.ts';
import { assertKeysMatchRecorded, MasterKeyMismatchError, refuseRegeneratedKey } from './master-key.check.ts';
import { parseMasterKeys, type MasterKeySet } from './master-keys.ts';
import { seal } from './secret-box.ts';

// Two processes given different keys under one version number would each seal secrets the other
// cannot open. The first key seen for a version is recorded; any other is refused before use.

let database: TestDatabase;
let handle: DatabaseHandle;

beforeAll(async () => {
  database = await createTestDatabase('key_check');
  handle = await connectDatabase({ url: database.url, dataDir: '' });
  await migrateToLatest(handle.db as never);
});
afterAll(async () => {
  await handle?.close();
  await database?.drop();
});

const entry = (version: number, byte: number) => `${version}:${Buffer.alloc(32, byte).toString('base64')}`;
const keysOf = (text: string): MasterKeySet => {
  const parsed = parseMasterKeys(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.keys;
};

describe('master key check', () => {
  it('records the first key of each version and refuses another key under the same number', async () => {
    await assertKeysMatchRecorded(handle.db, keysOf(entry(1, 1)));
    await assertKeysMatchRecorded(handle.db, keysOf(entry(1, 1)));
    await expect(assertKeysMatchRecorded(handle.db, keysOf(entry(1, 9)))).rejects.toThrow(
      new MasterKeyMismatchError(
        'the master key listed as version 1 is not the one this database recorded for that version (another process holds a different key under the same number): give every process the same key for each version',
      ),
    );
    // A new version is recorded by the first process that lists it; a second, different one is refused.
    await assertKeysMatchRecorded(handle.db, keysOf(`${entry(2, 2)},${entry(1, 1)}`));
    await expect(assertKeysMatchRecorded(handle.db, keysOf(`${entry(2, 7)},${entry(1, 1)}`))).rejects.toThrow(/^the master key listed as version 2 is not/);
    // Dropping a version later (after `hub keys rotate`) is fine: only listed versions are compared.
    await assertKeysMatchRecorded(handle.db, keysOf(entry(2, 2)));
  });

  it('takes a key this process generated when the recorded check is its own (another process read the new file first), and removes only a key it cannot be', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-key-check-'));
    try {
      const path = join(dir, 'master.keys');
      // The keys recorded above: a process that generated these very keys (and another that read the
      // file and recorded them first) is fine, and the file stays.
      const recorded = `${entry(2, 2)},${entry(1, 1)}`;
      writeFileSync(path, `${recorded}\n`);
      await refuseRegeneratedKey(handle.db, { keys: keysOf(recorded), generatedAt: path, source: 'file' });
      expect(existsSync(path)).toBe(true);
      // A generated key the recorded checks do not open: the file went missing; the new key goes.
      writeFileSync(path, `${entry(1, 5)}\n`);
      await expect(refuseRegeneratedKey(handle.db, { keys: keysOf(entry(1, 5)), generatedAt: path, source: 'file' })).rejects.toThrow(/master\.keys is missing/);
      expect(existsSync(path)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops a start and a key rotation with one line, before anything is sealed', async () => {
    const wrong = `${entry(2, 7)},${entry(1, 1)}`;
    for (const args of [['start'], ['keys', 'rotate']]) {
      const result = await runHubCommand(args, { DATABASE_URL: database.url, HUB_MASTER_KEYS: wrong, PORT: '0', REDIS_URL: 'redis://127.0.0.1:6379' });
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toMatch(/^hub: the master key listed as version 2 is not the one this database recorded/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('records a version first seen on an upgraded install only if it opens the secrets stored with it', async () => {
    const upgraded = await createTestDatabase('key_check_upgrade');
    const upgradedHandle = await connectDatabase({ url: upgraded.url, dataDir: '' });
    try {
      await migrateToLatest(upgradedHandle.db as never);
      // A secret sealed with version 1 before check values were recorded.
      const { tenant } = await ensureTenant(upgradedHandle.db, 'acme', 'acme');
      const right = keysOf(entry(1, 1));
      const sealed = seal(right, 'fingerprint key', { tenantId: tenant.id, owner: 'tenant:fingerprint-key' });
      await upgradedHandle.db.updateTable('tenants').set({ fingerprint_key_ciphertext: sealed.ciphertext, fingerprint_key_version: 1 }).where('id', '=', tenant.id).execute();

      // The first process after the upgrade holds another key as version 1: refused, nothing recorded.
      await expect(assertKeysMatchRecorded(upgradedHandle.db, keysOf(entry(1, 9)))).rejects.toThrow(
        /^the master key listed as version 1 is not the one the secrets stored with that version were sealed with/,
      );
      expect(await upgradedHandle.db.selectFrom('master_key_checks').selectAll().execute()).toEqual([]);
      // The processes with the right key still start, and record it.
      await assertKeysMatchRecorded(upgradedHandle.db, right);
      expect((await upgradedHandle.db.selectFrom('master_key_checks').select('version').execute()).map((row) => row.version)).toEqual([1]);
    } finally {
      await upgradedHandle.close();
      await upgraded.drop();
    }
  });
});
