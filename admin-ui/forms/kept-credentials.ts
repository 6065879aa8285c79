import { optionalFields } from '../../core/vault/kept-credentials.ts';
import { humanize, type JsonSchema } from '../components/json-schema.ts';

// The rotation wizard is write-only: it names (never shows) the stored optional fields that a blank
// entry keeps (core/vault/kept-credentials.ts keeps them, for the API as for the wizard).

function storedKeys(stored: unknown): Set<string> {
  return new Set(stored !== null && typeof stored === 'object' ? Object.keys(stored) : []);
}

/** Labels of the stored optional fields that a blank entry keeps, for the wizard to name (never their values). */
export function keptFieldLabels(schema: JsonSchema, stored: unknown): string[] {
  const present = storedKeys(stored);
  return optionalFields(schema)
    .filter((key) => present.has(key))
    .map((key) => schema.properties?.[key]?.title ?? humanize(key));
}
