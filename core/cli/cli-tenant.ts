import type { DatabaseHandle } from '../db/database.connect.ts';
import { findTenantBySlug } from '../tenancy/tenant.repository.ts';
import { CliError } from './cli-error.ts';

/** Who the audit log names for changes made from the CLI: the operating-system user. */
export const cliActor = `cli:${process.env['USER'] ?? 'unknown'}`;

/** The id of the tenant named by `--tenant`; a missing or unknown slug is a usage error. */
export async function tenantIdOf(database: DatabaseHandle, slug: string | undefined, usage: string): Promise<string> {
  if (!slug) throw new CliError(`--tenant is required\n${usage}`);
  const tenant = await findTenantBySlug(database.db, slug);
  if (!tenant) throw new CliError(`no tenant "${slug}"`);
  return tenant.id;
}
