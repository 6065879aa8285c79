import { argon2, randomBytes, timingSafeEqual, type Argon2Parameters } from 'node:crypto';

// Passwords are hashed with argon2id (Node's built-in implementation) and stored as PHC strings,
// `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`, so the parameters travel with each hash and can
// be raised later without invalidating existing ones. The defaults follow OWASP's minimum for
// argon2id: 19 MiB of memory, 2 passes, 1 lane.

export interface Argon2Cost {
  memoryKiB: number;
  passes: number;
  parallelism: number;
}

export const DEFAULT_COST: Argon2Cost = { memoryKiB: 19_456, passes: 2, parallelism: 1 };
export const MIN_PASSWORD_LENGTH = 12;
// Longer inputs only cost CPU; no one types a 1 KiB password.
export const MAX_PASSWORD_LENGTH = 1024;

const SALT_BYTES = 16;
const TAG_BYTES = 32;
const PHC = /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function derive(password: string, salt: Buffer, cost: Argon2Cost, tagLength: number): Promise<Buffer> {
  const parameters: Argon2Parameters = {
    message: Buffer.from(password, 'utf8'),
    nonce: salt,
    parallelism: cost.parallelism,
    tagLength,
    memory: cost.memoryKiB,
    passes: cost.passes,
  };
  return new Promise((resolve, reject) => argon2('argon2id', parameters, (error, key) => (error ? reject(error) : resolve(key))));
}

// PHC strings use base64 without padding.
const b64 = (bytes: Buffer): string => bytes.toString('base64').replace(/=+$/, '');

export async function hashPassword(password: string, cost: Argon2Cost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, cost, TAG_BYTES);
  return `$argon2id$v=19$m=${cost.memoryKiB},t=${cost.passes},p=${cost.parallelism}$${b64(salt)}$${b64(hash)}`;
}

export interface ParsedHash {
  cost: Argon2Cost;
  salt: Buffer;
  hash: Buffer;
}

export function parsePasswordHash(stored: string): ParsedHash | undefined {
  const match = PHC.exec(stored);
  if (!match) return undefined;
  const [, m, t, p, salt, hash] = match;
  const cost = { memoryKiB: Number(m), passes: Number(t), parallelism: Number(p) };
  // Refuse parameters argon2 would reject, or that would let a tampered row exhaust memory.
  if (cost.parallelism < 1 || cost.passes < 1 || cost.memoryKiB < 8 * cost.parallelism || cost.memoryKiB > 1_048_576) return undefined;
  return { cost, salt: Buffer.from(salt ?? '', 'base64'), hash: Buffer.from(hash ?? '', 'base64') };
}

/** True when `password` matches the stored PHC string; compared in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parsePasswordHash(stored);
  if (!parsed || parsed.hash.length < 16 || parsed.salt.length < 8) return false;
  const candidate = await derive(password, parsed.salt, parsed.cost, parsed.hash.length);
  return timingSafeEqual(candidate, parsed.hash);
}

/** True when the stored hash was made with weaker parameters than `cost`, so it should be redone. */
export function needsRehash(stored: string, cost: Argon2Cost = DEFAULT_COST): boolean {
  const parsed = parsePasswordHash(stored);
  if (!parsed) return true;
  return parsed.cost.memoryKiB < cost.memoryKiB || parsed.cost.passes < cost.passes || parsed.hash.length < TAG_BYTES;
}

// Verified against when no user matches, so an unknown email takes as long as a wrong password.
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}

/** Why a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `the password must be at least ${MIN_PASSWORD_LENGTH} characters long`;
  if (password.length > MAX_PASSWORD_LENGTH) return `the password must be at most ${MAX_PASSWORD_LENGTH} characters long`;
  if (password.trim() === '') return 'the password must not be only spaces';
  return undefined;
}
