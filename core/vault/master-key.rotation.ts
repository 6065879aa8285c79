import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/database.types.ts';
import type { MasterKeySet } from './master-keys.ts';
import { seal, unseal } from './secret-box.ts';
import { columnLabel, SEALED_COLUMNS, type SealedColumn } from './sealed-columns.ts';

export interface RotationProgress {
  done: number;
  total: number;
  column: string;
}

export interface RotationOptions {
  batchSize?: number;
  onProgress?: (progress: RotationProgress) => void;
  /** Test hook: runs between reading a batch and writing it back. */
  beforeWrite?: (ids: string[]) => Promise<void>;
}

/** A stored secret that no configured key opens (tampered with, or sealed for another row): rotation stops there. */
export class UndecryptableSecretError extends Error {
  override name = 'UndecryptableSecretError';
}

interface SealedRow {
  id: string;
  tenant: string;
  ciphertext: string;
  version: number;
}

async function countStale(db: Kysely<Database>, column: SealedColumn, current: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(column.table)}
    where ${sql.ref(column.ciphertext)} is not null and ${sql.ref(column.version)} <> ${current}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Re-encrypts every sealed secret under the current master key, in batches that each commit on
 * their own, so it can be killed at any point and run again to finish. A row is written back only
 * if its ciphertext is still the one that was read (compare and swap): a credential changed during
 * the rotation keeps its new value, and if that value was sealed with an older key by a process
 * that has not restarted yet, the next pass picks it up.
 */
export async function rotateMasterKey(db: Kysely<Database>, keys: MasterKeySet, options: RotationOptions = {}): Promise<{ rotated: number; total: number }> {
  const batchSize = options.batchSize ?? 500;
  const current = keys.current.version;
  let total = 0;
  for (const column of SEALED_COLUMNS) total += await countStale(db, column, current);
  let done = 0;
  for (const column of SEALED_COLUMNS) {
    for (;;) {
      const { rows } = await sql<SealedRow>`
        select id, ${sql.ref(column.tenantColumn)} as tenant, ${sql.ref(column.ciphertext)} as ciphertext, ${sql.ref(column.version)} as version
        from ${sql.table(column.table)}
        where ${sql.ref(column.ciphertext)} is not null and ${sql.ref(column.version)} <> ${current}
        order by id limit ${batchSize}`.execute(db);
      if (rows.length === 0) break;
      const rewritten = rows.map((row) => {
        const binding = { tenantId: row.tenant, owner: column.owner(row.id) };
        let plaintext: string;
        try {
          plaintext = unseal(keys, { ciphertext: row.ciphertext, keyVersion: Number(row.version) }, binding);
        } catch (error) {
          throw new UndecryptableSecretError(`cannot decrypt ${columnLabel(column)} of row ${row.id}: ${(error as Error).message}`, { cause: error });
        }
        return { id: row.id, old: row.ciphertext, next: seal(keys, plaintext, binding).ciphertext };
      });
      await options.beforeWrite?.(rows.map((row) => row.id));
      const values = sql.join(rewritten.map((row) => sql`(${row.id}::uuid, ${row.old}, ${row.next})`));
      const updated = await sql`
        update ${sql.table(column.table)} as t
        set ${sql.ref(column.ciphertext)} = v.next, ${sql.ref(column.version)} = ${current}
        from (values ${values}) as v(id, old, next)
        where t.id = v.id and t.${sql.ref(column.ciphertext)} = v.old`.execute(db);
      done += Number(updated.numAffectedRows ?? 0);
      options.onProgress?.({ done: Math.min(done, Math.max(total, done)), total: Math.max(total, done), column: columnLabel(column) });
    }
  }
  return { rotated: done, total };
}
