import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import { describeConnector } from '../connectors/connector.catalog.ts';

// A rotation replaces the secret being rotated, not everything beside it: credentials are
// write-only, so whoever rotates one (the admin UI's wizard, an API client) cannot see or resend an
// optional secret stored with it (ServiceNow's webhookSecret), and dropping it would make inbound
// webhooks fail with signature_invalid. Optional top-level fields left out keep their stored values;
// required ones (the secret being rotated) must be given. PATCH of the integration still replaces all.

interface ObjectSchema {
  properties?: Record<string, unknown>;
  required?: string[];
}

/** The optional top-level fields of a credentials JSON Schema (the catalog's `credentialsSchema`). */
export function optionalFields(schema: ObjectSchema): string[] {
  const required = new Set(schema.required ?? []);
  return Object.keys(schema.properties ?? {}).filter((key) => !required.has(key));
}

/** `submitted` plus the stored value of every optional field it leaves out. */
export function withKeptCredentialFields(connector: AnyConnector, submitted: unknown, stored: unknown): unknown {
  if (submitted === null || typeof submitted !== 'object' || Array.isArray(submitted)) return submitted;
  if (stored === null || typeof stored !== 'object') return submitted;
  const kept: Record<string, unknown> = {};
  for (const key of optionalFields(describeConnector(connector).credentialsSchema as ObjectSchema)) {
    if ((submitted as Record<string, unknown>)[key] === undefined && Object.hasOwn(stored, key)) kept[key] = (stored as Record<string, unknown>)[key];
  }
  return { ...kept, ...submitted };
}
