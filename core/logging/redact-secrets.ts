import { redactedPaths } from './logger.ts';

// What the hub shows of data that may hold secrets (an action run's input): the fields the logger
// redacts, by the same paths, redacted at any depth. Logged objects are shallow; a stored input is
// whatever a route's template rendered, so a path's `*.` prefixes are read as "anywhere".

export const REDACTED = '[redacted]';

/** A logger path as its last two names: `*.auth.key` → parent `auth`, field `key`; `*.password` → any parent. */
interface SecretField {
  parent: string | undefined;
  field: string;
}

function secretFieldOf(path: string): SecretField {
  const names = path.split(/\.|\["|"\]/).filter((name) => name !== '' && name !== '*');
  const field = names.at(-1) ?? path;
  const parent = names.at(-2);
  return { parent: parent?.toLowerCase(), field: field.toLowerCase() };
}

// Case-insensitive: the logger lists `authorization` and `Authorization` for the same header.
const SECRET_FIELDS = redactedPaths.map(secretFieldOf);

function isSecret(parent: string | undefined, field: string): boolean {
  const name = field.toLowerCase();
  return SECRET_FIELDS.some((secret) => secret.field === name && (secret.parent === undefined || secret.parent === parent?.toLowerCase()));
}

/** A copy of `value` with every secret-looking field's value replaced by `[redacted]`. */
export function redactSecrets(value: unknown, parent?: string): unknown {
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, parent));
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([field, inner]) => [field, isSecret(parent, field) ? REDACTED : redactSecrets(inner, field)]));
}
