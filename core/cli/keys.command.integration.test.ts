import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../test-support/cli-in-process.ts';
import { parseMasterKeys } from '../vault/master-keys.ts';
import { seal } from '../vault/secret-box.ts';
import { keysCommand } from './keys.command.ts';
import { connectDatabase, type DatabaseHandle } from '../db/database.connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { ensureTenant } from '../tenancy/tenant.repository.ts';
import { runHubCommand } from '../../test-support/hub-process.ts';
import { createTestDatabase, type TestDatabase } from '../../test-support/test-database.ts';

// `hub keys` against PostgreSQL: as a real CLI process where what hub.ts prints matters, in process otherwise.

let database: TestDatabase;
let handle: DatabaseHandle;

beforeAll(async () => {
  database = await createTestDatabase('keys_cli');
  handle = await connectDatabase({ url: database.url, dataDir: '' });
  await migrateToLatest(handle.db as never);
  const { tenant } = await ensureTenant(handle.db, 'default', 'Default tenant');
  // A secret sealed with key version 7, which the key set below no longer lists.
  await sql`update tenants set fingerprint_key_ciphertext = 'sealed-with-v7', fingerprint_key_version = 7 where id = ${tenant.id}`.execute(handle.db);
});
afterAll(async () => {
  await handle?.close();
  await database?.drop();
});

describe('hub keys rotate', () => {
  it('stops with one line naming the missing key version, not a stack trace, when a stored secret uses it', async () => {
    const keys = `2:${Buffer.alloc(32, 2).toString('base64')},1:${Buffer.alloc(32, 1).toString('base64')}`;
    const result = await runHubCommand(['keys', 'rotate'], { DATABASE_URL: database.url, HUB_MASTER_KEYS: keys });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^hub: HUB_MASTER_KEYS cannot decrypt stored secrets: 1 row of .* uses key version 7\./);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

const key = (version: number, fill: number) => `${version}:${Buffer.alloc(32, fill).toString('base64')}`;

describe('hub keys status', () => {
  const names = ['DATABASE_URL', 'HUB_MASTER_KEYS', 'HUB_MASTER_KEY_ENCRYPT_VERSION'] as const;
  const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('suggests removing only unused versions older than the one that encrypts, not one being rolled out', async () => {
    // README, rotating the master key: version 3 is listed for decryption while 2 still encrypts.
    Object.assign(process.env, { DATABASE_URL: database.url, HUB_MASTER_KEYS: `${key(3, 3)},${key(2, 2)},${key(1, 1)}`, HUB_MASTER_KEY_ENCRYPT_VERSION: '2' });
    const { stdout, error } = await runCliInProcess(() => keysCommand(['status']));
    expect(error).toBeUndefined();
    expect(stdout).toContain('configured key versions: 3, 2, 1 (2 encrypts)\n');
    expect(stdout).toMatch(/\nno row uses version 1: it can be removed from HUB_MASTER_KEYS\n$/);
  });
});

describe('hub keys rotate on a secret no key opens', () => {
  let other: TestDatabase;
  let otherHandle: DatabaseHandle;
  let bad: string;

  beforeAll(async () => {
    other = await createTestDatabase('keys_cli_tampered');
    otherHandle = await connectDatabase({ url: other.url, dataDir: '' });
    await migrateToLatest(otherHandle.db as never);
    const { tenant } = await ensureTenant(otherHandle.db, 'default', 'Default tenant');
    const parsed = parseMasterKeys(key(1, 1));
    if (!parsed.ok) throw new Error(parsed.error);
    const good = crypto.randomUUID();
    bad = crypto.randomUUID();
    // Sealed for the row `good`: under key 1, yet not openable as the row `bad`'s secret.
    const sealed = seal(parsed.keys, '{"auth":{"type":"basic","username":"u","password":"p"}}', { tenantId: tenant.id, owner: `integration:${good}:credentials` });
    await otherHandle.db.insertInto('integration_configs').values([good, bad].map((id) => ({
      id, tenant_id: tenant.id, connector: 'servicenow', name: id, environment: 'production' as const, credentials_ciphertext: sealed.ciphertext, credentials_key_version: 1,
    }))).execute();
  });
  afterAll(async () => {
    await otherHandle?.close();
    await other?.drop();
  });

  it('stops with one line naming the row, not a stack trace', async () => {
    const result = await runHubCommand(['keys', 'rotate'], { DATABASE_URL: other.url, HUB_MASTER_KEYS: `${key(2, 2)},${key(1, 1)}` });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^hub: cannot decrypt integration_configs\\.credentials_ciphertext of row ${bad}: [^\\n]+\\n$`));
  });
});
