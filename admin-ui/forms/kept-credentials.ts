import { humanize, type JsonSchema } from '../components/json-schema.ts';

// A rotation replaces the whole credentials document, but the wizard is write-only: it cannot show
// what is stored, so an optional secret the admin left blank (ServiceNow's webhookSecret) would be
// dropped and inbound webhooks would start failing with signature_invalid. Optional top-level
// fields left blank therefore keep their stored values; required ones (the secret being rotated)
// must be entered.

function optionalFields(schema: JsonSchema): string[] {
  const required = new Set(schema.required ?? []);
  return Object.keys(schema.properties ?? {}).filter((key) => !required.has(key));
}

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

/** `submitted` plus the stored value of every optional field it leaves out. */
export function withKeptFields(schema: JsonSchema, submitted: Record<string, unknown>, stored: unknown): Record<string, unknown> {
  const present = storedKeys(stored);
  const kept: Record<string, unknown> = {};
  for (const key of optionalFields(schema)) {
    if (submitted[key] === undefined && present.has(key)) kept[key] = (stored as Record<string, unknown>)[key];
  }
  return { ...kept, ...submitted };
}
