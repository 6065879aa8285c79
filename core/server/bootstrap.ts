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
 * Creates the default tenant and its first admin token on the very first start, in one
 * transaction: a start cut short never leaves a tenant without its token. Only the process whose
 * insert created the tenant makes the token, so concurrent first starts print one token.
 */
export async function bootstrapDefaultTenant(db: Kysely<Database>, slug: string): Promise<FirstStart> {
  return db.transaction().execute(async (trx) => {
    const { tenant, created } = await ensureTenant(trx, slug, slug === 'default' ? 'Default tenant' : slug);
    if (!created) return { tenantSlug: tenant.slug };
    const { token, row } = await createApiToken(trx, {
      tenantId: tenant.id,
      role: 'admin',
      name: 'bootstrap-admin',
      createdBy: 'system:first-start',
    });
    await recordAudit(trx, {
      tenantId: tenant.id,
      actorType: 'system',
      actorId: 'first-start',
      action: 'token.created',
      targetType: 'api_token',
      targetId: row.id,
      detail: { name: row.name, role: row.role },
    });
    return { tenantSlug: tenant.slug, adminToken: token };
  });
}

/**
 * Someone can administer the tenant: an admin token that is neither revoked nor expired, or an
 * admin user who is not disabled. A tenant without either (its first token lost before this
 * version made the token last, or every admin revoked) can be reached only through the CLI.
 */
export async function tenantHasAdmin(db: Kysely<Database>, slug: string, now: Date): Promise<boolean> {
  const row = await db
    .selectFrom('tenants')
    .select((eb) => [
      eb
        .exists(
          eb
            .selectFrom('api_tokens')
            .select('api_tokens.id')
            .whereRef('api_tokens.tenant_id', '=', 'tenants.id')
            .where('api_tokens.role', '=', 'admin')
            .where('api_tokens.revoked_at', 'is', null)
            .where((inner) => inner.or([inner('api_tokens.expires_at', 'is', null), inner('api_tokens.expires_at', '>', now)])),
        )
        .as('has_token'),
      eb
        .exists(
          eb
            .selectFrom('users')
            .select('users.id')
            .whereRef('users.tenant_id', '=', 'tenants.id')
            .where('users.role', '=', 'admin')
            .where('users.disabled_at', 'is', null),
        )
        .as('has_user'),
    ])
    .where('slug', '=', slug)
    .executeTakeFirst();
  return !row || Boolean(row.has_token) || Boolean(row.has_user);
}

export interface BannerOptions {
  /** The slug of the tenant the first start created (HUB_DEFAULT_TENANT). */
  tenant?: string;
  /**
   * Embedded mode (PGlite): the running hub holds the data directory, so the CLI commands the
   * banner names work only once it is stopped.
   */
  embedded?: boolean;
}

export function firstStartBanner(adminToken: string, port: number, options: BannerOptions = {}): string {
  const tenant = options.tenant ?? 'default';
  const embedded = options.embedded ?? true;
  const tokenCommand = `npm run hub -- token create --tenant ${tenant} --role admin --name me`;
  const userCommand = `npm run hub -- user create --tenant ${tenant} --role admin --email you@example.com --name "Your Name"`;
  return [
    '',
    `  First start: created the tenant "${tenant}" and an admin API token. It is shown only this once:`,
    '',
    `    ${adminToken}`,
    '',
    '  Try it:',
    `    curl -H "Authorization: Bearer ${adminToken}" localhost:${port}/api/integrations`,
    '',
    ...(embedded
      ? [
          '  While the hub runs, it alone uses its data directory: make more tokens with POST /api/tokens.',
          '  Lost this one? Stop the hub (Ctrl-C), then run',
          `    ${tokenCommand}`,
          '',
          `  Admin UI at localhost:${port}/admin. For the first admin user, stop the hub, run (asks for a`,
          '  password of 12+ characters) the line below, then start the hub again:',
          `    ${userCommand}`,
        ]
      : [
          `  Lost it? Create another with: ${tokenCommand}`,
          '',
          `  Admin UI at localhost:${port}/admin: create the first admin user with (asks for a password of 12+ characters)`,
          `    ${userCommand}`,
        ]),
    '',
  ].join('\n');
}
