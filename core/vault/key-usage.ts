import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.types.ts';
import type { MasterKeySet } from './master-keys.ts';
import { columnLabel, SEALED_COLUMNS } from './sealed-columns.ts';

export interface KeyUsage {
  column: string;
  version: number;
  rows: number;
}

/** How many sealed values each key version protects, per column. */
export async function keyUsage(db: Kysely<Database>): Promise<KeyUsage[]> {
  const usage: KeyUsage[] = [];
  for (const column of SEALED_COLUMNS) {
    const { rows } = await sql<{ version: number; rows: number }>`
      select ${sql.ref(column.version)} as version, count(*)::int as rows from ${sql.table(column.table)}
      where ${sql.ref(column.ciphertext)} is not null group by 1 order by 1`.execute(db);
    for (const row of rows) usage.push({ column: columnLabel(column), version: Number(row.version), rows: Number(row.rows) });
  }
  return usage;
}

export class KeySetIncompleteError extends Error {
  override name = 'KeySetIncompleteError';
}

/**
 * Start-up refuses a key set that cannot decrypt every stored secret: removing a version while
 * rows still use it would make those credentials unreadable.
 */
export async function assertKeysCoverRows(db: Kysely<Database>, keys: MasterKeySet): Promise<void> {
  const missing = (await keyUsage(db)).filter((usage) => !keys.byVersion.has(usage.version));
  if (missing.length === 0) return;
  const detail = missing.map((m) => `${m.rows} ${m.rows === 1 ? 'row' : 'rows'} of ${m.column} ${m.rows === 1 ? 'uses' : 'use'} key version ${m.version}`).join('; ');
  throw new KeySetIncompleteError(
    `HUB_MASTER_KEYS cannot decrypt stored secrets: ${detail}. Add those versions back, run "hub keys rotate", then remove them.`,
  );
}
