import { createHash, randomBytes } from 'node:crypto';

// Tokens are `hub_` + 32 random bytes in base64url. Only the SHA-256 hash is stored: a stolen
// database does not yield usable tokens, and a fast hash is enough for 256 bits of entropy.

export const TOKEN_PREFIX = 'hub_';
const TOKEN_PATTERN = /^hub_[A-Za-z0-9_-]{43}$/;

export function generateApiToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function looksLikeApiToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

/** What listings show so people can tell tokens apart: the prefix and a few characters. */
export function displayPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX.length + 6);
}
