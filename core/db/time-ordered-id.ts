import { randomFillSync } from 'node:crypto';

// Row ids for the tables written in bulk (events): UUIDv7 (RFC 9562), a 48-bit millisecond
// timestamp followed by random bits. New ids land at the right edge of the primary key's index
// instead of on a random page of it, which cost PostgreSQL about a fifth of its CPU per inserted
// event (gen_random_uuid, measured at 30-row batches on a table of 150,000 events), and more as the
// table outgrows memory. PostgreSQL 15 has no uuidv7(), so the hub makes them.

const POOL_BYTES = 4096;
const RANDOM_BYTES = 10;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** A UUIDv7 for `now` (ms since the epoch): sorts by time to the millisecond, random within it. */
export function timeOrderedId(now: number = Date.now()): string {
  // One random fill per few hundred ids: a syscall per id would cost more than the id is worth.
  if (offset + RANDOM_BYTES > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const r = offset;
  offset += RANDOM_BYTES;
  const high = Math.floor(now / 2 ** 32) & 0xffff;
  const low = now >>> 0;
  return (
    HEX[high >>> 8]! + HEX[high & 0xff]! + HEX[low >>> 24]! + HEX[(low >>> 16) & 0xff]! + '-' +
    HEX[(low >>> 8) & 0xff]! + HEX[low & 0xff]! + '-' +
    HEX[0x70 | (pool[r]! & 0x0f)]! + HEX[pool[r + 1]!]! + '-' +
    HEX[0x80 | (pool[r + 2]! & 0x3f)]! + HEX[pool[r + 3]!]! + '-' +
    HEX[pool[r + 4]!]! + HEX[pool[r + 5]!]! + HEX[pool[r + 6]!]! + HEX[pool[r + 7]!]! + HEX[pool[r + 8]!]! + HEX[pool[r + 9]!]!
  );
}
