import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../core/db/database.types.ts';
import { testRedisUrl } from './test-database.ts';

// Looks for planted secrets everywhere the hub writes: in the forms a leak takes (as is, base64,
// base64url, URL-encoded, and inside a Basic authorization header).

export function leakForms(secrets: readonly string[], basicPairs: ReadonlyArray<[string, string]> = []): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    forms.add(secret);
    forms.add(Buffer.from(secret).toString('base64').replace(/=+$/, ''));
    forms.add(Buffer.from(secret).toString('base64url'));
    forms.add(encodeURIComponent(secret));
  }
  for (const [user, password] of basicPairs) forms.add(Buffer.from(`${user}:${password}`).toString('base64').replace(/=+$/, ''));
  return [...forms].filter((form) => form.length >= 8);
}

export function findLeaks(where: string, text: string, forms: readonly string[]): string[] {
  return forms.filter((form) => text.includes(form)).map((form) => `${where} contains ${form.slice(0, 6)}…`);
}

/** Every table's rows as text, without the columns that hold ciphertext by design. */
export async function databaseText(db: Kysely<Database>): Promise<Array<{ table: string; text: string }>> {
  const { rows: tables } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(db);
  const out: Array<{ table: string; text: string }> = [];
  for (const { table_name } of tables) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table_name)}`.execute(db);
    const clear = rows.map((row) => Object.fromEntries(Object.entries(row).filter(([column]) => !column.endsWith('_ciphertext'))));
    out.push({ table: table_name, text: JSON.stringify(clear) });
  }
  return out;
}

/** Every key under the prefix with its value, whatever the Redis type. */
export async function redisText(prefix: string): Promise<string> {
  const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1 });
  const parts: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        let value: unknown;
        if (type === 'string') value = await redis.get(key);
        else if (type === 'hash') value = await redis.hgetall(key);
        else if (type === 'list') value = await redis.lrange(key, 0, -1);
        else if (type === 'set') value = await redis.smembers(key);
        else if (type === 'zset') value = await redis.zrange(key, '0', '-1', 'WITHSCORES');
        else if (type === 'stream') value = await redis.xrange(key, '-', '+');
        parts.push(`${key} ${JSON.stringify(value)}`);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return parts.join('\n');
}
