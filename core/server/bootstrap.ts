import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit.repository.ts';
import { createApiToken } from '../auth/api-token.service.ts';
import type { Database } from '../db/database.types.ts';
import { ensureTenant } from '../tenancy/tenant.repository.ts';

export interface FirstStart {
  tenantSlug: string;
  /** Present only on the start that created the tenant: the admin token, shown once. */
  adminToken?: string;
}

/**
 * Creates the default tenant and its first admin token on the very first start. Only the process
 * whose insert created the tenant makes the token, so concurrent first starts print one token.
 */
export async function bootstrapDefaultTenant(db: Kysely<Database>, slug: string): Promise<FirstStart> {
  const { tenant, created } = await ensureTenant(db, slug, slug === 'default' ? 'Default tenant' : slug);
  if (!created) return { tenantSlug: tenant.slug };
  const { token, row } = await createApiToken(db, {
    tenantId: tenant.id,
    role: 'admin',
    name: 'bootstrap-admin',
    createdBy: 'system:first-start',
  });
  await recordAudit(db, {
    tenantId: tenant.id,
    actorType: 'system',
    actorId: 'first-start',
    action: 'token.created',
    targetType: 'api_token',
    targetId: row.id,
    detail: { name: row.name, role: row.role },
  });
  return { tenantSlug: tenant.slug, adminToken: token };
}

export function firstStartBanner(adminToken: string, port: number): string {
  return [
    '',
    '  First start: created the default tenant and an admin API token. It is shown only this once:',
    '',
    `    ${adminToken}`,
    '',
    '  Try it:',
    `    curl -H "Authorization: Bearer ${adminToken}" localhost:${port}/api/integrations`,
    '',
    '  Lost it? Create another with: npm run hub -- token create --tenant default --role admin --name me',
    '',
    `  Admin UI at localhost:${port}/admin: create the first admin user with (asks for a password of 12+ characters)`,
    '    npm run hub -- user create --tenant default --role admin --email you@example.com --name "Your Name"',
    '',
  ].join('\n');
}
