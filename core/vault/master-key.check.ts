import type { Kysely } from 'kysely';
import type { Database } from '../db/database.types.ts';
import type { MasterKeySet } from './master-keys.ts';
import { seal, unseal } from './secret-box.ts';

// Key versions are numbers an operator chooses, so two processes can be given different keys under
// one number (`hub keys generate --version 2` run twice). Each would then seal secrets the other
// cannot open. The first process with a version records a sealed constant for it; every later one
// must open it.

const CHECK_TEXT = 'hub master key check';
const CHECK_BINDING = { tenantId: 'hub', owner: 'master-key-check' };

/** A listed key differs from the one recorded for its version; the message names versions only. */
export class MasterKeyMismatchError extends Error {
  override name = 'MasterKeyMismatchError';
}

function opensCheck(keys: MasterKeySet, version: number, ciphertext: string): boolean {
  try {
    return unseal(keys, { ciphertext, keyVersion: version }, CHECK_BINDING) === CHECK_TEXT;
  } catch {
    return false;
  }
}

/** Records a check for each version not seen before, and refuses keys that differ from the recorded ones. */
export async function assertKeysMatchRecorded(db: Kysely<Database>, keys: MasterKeySet): Promise<void> {
  const checks = [...keys.byVersion.values()].map((key) => ({
    version: key.version,
    check_ciphertext: seal({ current: key, byVersion: keys.byVersion }, CHECK_TEXT, CHECK_BINDING).ciphertext,
  }));
  await db.insertInto('master_key_checks').values(checks).onConflict((conflict) => conflict.column('version').doNothing()).execute();
  const recorded = await db.selectFrom('master_key_checks').select(['version', 'check_ciphertext']).where('version', 'in', [...keys.byVersion.keys()]).execute();
  const differing = recorded.filter((row) => !opensCheck(keys, row.version, row.check_ciphertext)).map((row) => row.version).sort((a, b) => b - a);
  if (differing.length === 0) return;
  throw new MasterKeyMismatchError(
    `the master key listed as version ${differing.join(', ')} is not the one this database recorded for that version (another process holds a different key under the same number): give every process the same key for each version`,
  );
}
