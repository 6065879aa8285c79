import { assertKeysCoverRows, keyUsage } from '../vault/key-usage.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.types.ts';
import { assertKeysMatchRecorded, refuseRegeneratedKey } from '../vault/master-key.check.ts';
import { generateMasterKeyEntry, resolveMasterKeys } from '../vault/master-key.file.ts';
import { rotateMasterKey } from '../vault/master-key.rotation.ts';
import { MAX_KEY_VERSION, type MasterKeySet } from '../vault/master-keys.ts';
import { CliError } from './cli-error.ts';
import { commandLine, isHelpFlag } from './command-line.ts';
import { progressReporter } from './progress-bar.ts';
import { withDatabase } from './with-database.ts';
import { loadConfig } from '../config/config.load.ts';

const usage = `usage:
  hub keys generate [--version <n>]   print a new entry for HUB_MASTER_KEYS
  hub keys status                     stored secrets per key version
  hub keys rotate                     re-encrypt every secret with the newest key (resumable)`;

/**
 * The key set the hub processes use, HUB_MASTER_KEY_ENCRYPT_VERSION included; refused, as at start,
 * when master.keys is missing beside a database whose keys are recorded.
 */
async function configuredKeys(db: Kysely<Database>): Promise<MasterKeySet> {
  const config = loadConfig();
  const resolved = resolveMasterKeys(config.HUB_MASTER_KEYS, config.HUB_DATA_DIR, config.HUB_MASTER_KEY_ENCRYPT_VERSION);
  await refuseRegeneratedKey(db, resolved);
  return resolved.keys;
}

export async function keysCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  if (isHelpFlag(action)) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (action !== 'generate' && action !== 'status' && action !== 'rotate') throw new CliError(usage);
  if (action === 'generate') {
    const parsed = commandLine('keys generate', rest, { usage, options: { version: { type: 'string', default: '1' } } });
    if (!parsed) return;
    const version = Number(parsed.values.version);
    if (!Number.isInteger(version) || version < 1 || version > MAX_KEY_VERSION) throw new CliError(`--version must be a whole number from 1 to ${MAX_KEY_VERSION}`);
    process.stdout.write(generateMasterKeyEntry(version) + '\n');
    return;
  }
  // status and rotate take nothing: `hub keys rotate --help` must not re-encrypt every secret.
  if (!commandLine(`keys ${action}`, rest, { usage })) return;
  if (action === 'status') {
    await withDatabase(async ({ db }) => {
      const keys = await configuredKeys(db);
      const usage = await keyUsage(db);
      process.stdout.write(`configured key versions: ${[...keys.byVersion.keys()].sort((a, b) => b - a).join(', ')} (${keys.current.version} encrypts)\n`);
      if (usage.length === 0) process.stdout.write('no stored secrets\n');
      for (const row of usage) {
        const note = keys.byVersion.has(row.version) ? (row.version === keys.current.version ? '' : '  ← rotate') : '  ← MISSING from HUB_MASTER_KEYS';
        process.stdout.write(`${row.column.padEnd(45)} v${row.version}  ${String(row.rows).padStart(8)} ${row.rows === 1 ? 'row ' : 'rows'}${note}\n`);
      }
      // Only versions older than the one that encrypts: a newer one is being rolled out (README,
      // "Rotating the master key") and is about to encrypt everything.
      const removable = [...keys.byVersion.keys()].filter((v) => v < keys.current.version && !usage.some((u) => u.version === v));
      if (removable.length > 0) process.stdout.write(`no row uses version ${removable.join(', ')}: it can be removed from HUB_MASTER_KEYS\n`);
    });
    return;
  }
  if (action === 'rotate') {
    await withDatabase(async ({ db }) => {
      const keys = await configuredKeys(db);
      // A secret sealed with a version no longer listed cannot be re-encrypted: say which versions
      // are missing, in one line, before re-encrypting anything (as start-up does), rather than
      // failing mid-way with a stack trace.
      await assertKeysCoverRows(db, keys);
      await assertKeysMatchRecorded(db, keys);
      const report = progressReporter(process.stderr, 'rows');
      const started = Date.now();
      const result = await rotateMasterKey(db, keys, { onProgress: ({ done, total }) => report(done, total) });
      if (result.total === 0) report(0, 0);
      const seconds = (Date.now() - started) / 1000;
      process.stdout.write(`rotated ${result.rotated} secrets to key version ${keys.current.version} in ${seconds.toFixed(1)} s\n`);
    });
  }
}
