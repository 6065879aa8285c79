import { hash } from 'node:crypto';

/**
 * JSON with object keys sorted, so the same record hashes the same whatever its key order. The
 * output is stored (record dedupe, fingerprints): it must never change for a given value.
 */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let index = 0; index < value.length; index++) out += (index === 0 ? '' : ',') + stableStringify(value[index]);
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  // Plain sort compares UTF-16 code units, the same order as `<` on strings.
  const keys = Object.keys(object).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const inner = object[key];
    if (inner === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${stableStringify(inner)}`;
    first = false;
  }
  return `${out}}`;
}

/** Hex SHA-256, one-shot: no Hash object per call on paths that hash every record. */
export function sha256(text: string | Buffer): string {
  return hash('sha256', text, 'hex');
}

/** A payload's dedupe hash: over its stableStringify() text. */
export function payloadHash(payload: unknown): string {
  return payloadHashOfStableText(stableStringify(payload));
}

/** payloadHash() for a caller that already holds the payload's stableStringify() text. */
export function payloadHashOfStableText(text: string): string {
  return sha256(text);
}
