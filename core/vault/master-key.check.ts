import { readFileSync, rmSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.types.ts';
import { InvalidMasterKeysError, type ResolvedMasterKeys } from './master-key.file.ts';
import { parseMasterKeys, type MasterKeySet } from './master-keys.ts';
import { SEALED_COLUMNS } from './sealed-columns.ts';
import { seal, unseal } from './secret-box.ts';

// Key versions are numbers an operator chooses, so two processes can be given different keys under
// one number (`hub keys generate --version 2` run twice). Each would then seal secrets the other
// cannot open. The first process with a version records a sealed constant for it (once its key
// opens the secrets already stored with that version, if any); every later one must open it.

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

// Secrets already sealed with a version that has no check yet (stored before checks were
// recorded) are tried, a few per version: the key must open one of them to be recorded.
const SAMPLES_PER_VERSION = 3;

/** Whether `key` opens some secret already sealed with its version; true when there is none. */
async function opensStoredSecrets(db: Kysely<Database>, keys: MasterKeySet, version: number): Promise<boolean> {
  let tried = 0;
  for (const column of SEALED_COLUMNS) {
    const { rows } = await sql<{ id: string; tenant_id: string; ciphertext: string }>`
      select id::text as id, ${sql.ref(column.tenantColumn)}::text as tenant_id, ${sql.ref(column.ciphertext)} as ciphertext
      from ${sql.table(column.table)} where ${sql.ref(column.version)} = ${version} and ${sql.ref(column.ciphertext)} is not null
      limit ${SAMPLES_PER_VERSION}`.execute(db);
    for (const row of rows) {
      tried += 1;
      try {
        unseal(keys, { ciphertext: row.ciphertext, keyVersion: version }, { tenantId: row.tenant_id, owner: column.owner(row.id) });
        return true;
      } catch {
        // A damaged secret proves nothing about the key: try the next.
      }
    }
  }
  return tried === 0;
}

function mismatch(versions: number[], recorded: string): MasterKeyMismatchError {
  return new MasterKeyMismatchError(
    `the master key listed as version ${versions.sort((a, b) => b - a).join(', ')} is not the one ${recorded} (another process holds a different key under the same number): give every process the same key for each version`,
  );
}

/**
 * Refuses a key this start generated (no master.keys was in the data directory) beside a database
 * that recorded other keys: the file went missing (not restored with the database, a volume over
 * part of the directory). The new key opens nothing stored, so it is removed again, for the one
 * from the backup to be put back, rather than kept and every later start refused for it. A check
 * the generated key opens is its own, recorded by a process that read the file meanwhile.
 */
export async function refuseRegeneratedKey(db: Kysely<Database>, resolved: ResolvedMasterKeys): Promise<void> {
  if (resolved.generatedAt === undefined) return;
  const recorded = await db.selectFrom('master_key_checks').select(['version', 'check_ciphertext']).orderBy('version').execute();
  const others = recorded.filter((row) => !opensCheck(resolved.keys, row.version, row.check_ciphertext)).map((row) => row.version);
  if (others.length === 0) return;
  removeIfStillOurs(resolved.generatedAt, resolved.keys);
  throw new InvalidMasterKeysError(
    `${resolved.generatedAt} is missing, and this database's secrets are sealed with master key version ${others.join(', ')}: restore master.keys from your backup of the data directory (or set HUB_MASTER_KEYS); a new key cannot open them`,
  );
}

/** Removes the generated key file unless it holds another key by now (a backup restored meanwhile). */
function removeIfStillOurs(path: string, keys: MasterKeySet): void {
  let onDisk: ReturnType<typeof parseMasterKeys>;
  try {
    onDisk = parseMasterKeys(readFileSync(path, 'utf8').trim());
  } catch {
    return;
  }
  if (onDisk.ok && onDisk.keys.current.key.equals(keys.current.key)) rmSync(path, { force: true });
}

/** Records a check for each version not seen before, and refuses keys that differ from the recorded ones. */
export async function assertKeysMatchRecorded(db: Kysely<Database>, keys: MasterKeySet): Promise<void> {
  const recordedBefore = new Set((await db.selectFrom('master_key_checks').select('version').execute()).map((row) => row.version));
  const unrecorded = [...keys.byVersion.values()].filter((key) => !recordedBefore.has(key.version));
  // An install upgraded with secrets already stored: its first check is the key that sealed them.
  const unproven: number[] = [];
  for (const key of unrecorded) if (!(await opensStoredSecrets(db, keys, key.version))) unproven.push(key.version);
  if (unproven.length > 0) throw mismatch(unproven, 'the secrets stored with that version were sealed with');
  const checks = unrecorded.map((key) => ({
    version: key.version,
    check_ciphertext: seal({ current: key, byVersion: keys.byVersion }, CHECK_TEXT, CHECK_BINDING).ciphertext,
  }));
  if (checks.length > 0) await db.insertInto('master_key_checks').values(checks).onConflict((conflict) => conflict.column('version').doNothing()).execute();
  const recorded = await db.selectFrom('master_key_checks').select(['version', 'check_ciphertext']).where('version', 'in', [...keys.byVersion.keys()]).execute();
  const differing = recorded.filter((row) => !opensCheck(keys, row.version, row.check_ciphertext)).map((row) => row.version);
  if (differing.length > 0) throw mismatch(differing, 'this database recorded for that version');
}
