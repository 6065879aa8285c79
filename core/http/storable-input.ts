import type { FieldError } from './api-error.ts';

// Checks every request input (path parameters, query, JSON body) before its schema runs, for what
// no schema field would think of but the database or the stack cannot take:
// - U+0000: PostgreSQL text and jsonb cannot hold it, so a NUL anywhere (a name, a filter, a key
//   deep inside `config`) fails the query with a database error, a 500, sometimes after other
//   writes of the same request went through.
// - a lone UTF-16 surrogate ("\ud800" in the JSON): not text at all, so jsonb refuses it (and a
//   text column would store U+FFFD instead) — the same 500 as a NUL.
// - deep nesting: jsonb and any recursive walk (templates, zod, JSON Schema) run out of stack on
//   arrays nested tens of thousands deep, which a 1 MB body easily holds.
// - a number past what a double holds (1e309 reads as Infinity): JSON cannot store it, and it
//   would be saved as null without a word.
// - a `__proto__` key: JSON.parse keeps it as a key, but copying it into an object (zod records,
//   spreads) sets that object's prototype instead, so it vanished from what was saved.
// The walk itself uses its own stack, so it is safe on any input.

/** Deeper JSON is refused; real configs, filters and templates stay within a handful of levels. */
export const MAX_INPUT_DEPTH = 32;

/** Enough to point at the problem without echoing a whole hostile body back. */
const MAX_REPORTED_FIELDS = 10;

const NUL = '\u0000';
const NUL_MESSAGE = 'must not contain the NUL character (\\u0000)';
const SURROGATE_MESSAGE = 'must not contain a lone UTF-16 surrogate (\\ud800-\\udfff): it is not text';

/** Why the string cannot be stored, or undefined when it can. */
function unstorableText(text: string): string | undefined {
  if (text.includes(NUL)) return NUL_MESSAGE;
  if (!text.isWellFormed()) return SURROGATE_MESSAGE;
  return undefined;
}

interface Pending {
  value: unknown;
  path: string[];
  depth: number;
}

function fieldPath(prefix: string, path: readonly string[]): string {
  // Escaped like in JSON, so the path stays readable and the error itself is well-formed text.
  return [prefix, ...path]
    .join('.')
    .replaceAll(NUL, '\\u0000')
    .replace(/[\ud800-\udfff]/gu, (lone) => `\\u${lone.charCodeAt(0).toString(16)}`);
}

/** The fields of `value` (under `prefix`: `body`, `query`, `params`) that cannot be stored. */
export function unstorableFields(value: unknown, prefix: string): FieldError[] {
  const fields: FieldError[] = [];
  const report = (path: string[], message: string) => {
    const field = { path: fieldPath(prefix, path), message };
    if (!fields.some((known) => known.path === field.path)) fields.push(field);
  };
  const pending: Pending[] = [{ value, path: [], depth: 0 }];
  while (pending.length > 0 && fields.length < MAX_REPORTED_FIELDS) {
    const { value: current, path, depth } = pending.pop()!;
    if (typeof current === 'string') {
      const problem = unstorableText(current);
      if (problem) report(path, problem);
      continue;
    }
    if (typeof current === 'number' && !Number.isFinite(current)) {
      report(path, 'is a number too large to store (it reads as Infinity)');
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= MAX_INPUT_DEPTH) {
      // Named by its top-level field: the full path would be as long as the nesting.
      report(path.slice(0, 1), `nests deeper than ${MAX_INPUT_DEPTH} levels`);
      continue;
    }
    for (const [key, child] of Object.entries(current)) {
      const childPath = [...path, key];
      const problem = key === '__proto__' ? 'is a key that cannot be stored (__proto__)' : unstorableText(key);
      if (problem) report(childPath, key === '__proto__' ? problem : `a key ${problem}`);
      pending.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return fields;
}
