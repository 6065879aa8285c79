import { parseArgs } from 'node:util';
import { recordAudit } from '../audit/audit.repository.ts';
import { listApiTokens, revokeApiToken } from '../auth/api-token.repository.ts';
import { createApiToken } from '../auth/api-token.service.ts';
import { userPerson } from '../auth/principal.ts';
import { Role } from '../auth/roles.ts';
import type { DatabaseHandle } from '../db/database.connect.ts';
import { findUserByEmail, type UserRow } from '../users/user.repository.ts';
import { CliError } from './cli-error.ts';
import { cliActor, tenantIdOf } from './cli-tenant.ts';
import { withDatabase } from './with-database.ts';

const usage = `usage:
  hub token create --tenant <slug> --role <admin|operator|viewer> --name <name> [--expires <ISO date>] [--user <email>]
  hub token list --tenant <slug>
  hub token revoke <token id> --tenant <slug>`;

/** `Date` rolls a day past the month's end over (2030-02-30 is 2 March); a person meant a date that exists. */
function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** What `token create` asks for, checked: a role, a name and an expiry in the future, if any. */
function creationOf(values: { role?: string; name?: string; expires?: string }): { role: Role; name: string; expiresAt: Date | undefined } {
  const role = Role.safeParse(values.role);
  if (!role.success) throw new CliError(`--role must be admin, operator or viewer\n${usage}`);
  if (!values.name) throw new CliError(`--name is required\n${usage}`);
  const expiresAt = values.expires ? new Date(values.expires) : undefined;
  if (expiresAt && (Number.isNaN(expiresAt.getTime()) || !isCalendarDate(values.expires!))) throw new CliError(`--expires must be an ISO date such as 2030-01-31 (${values.expires} is not)`);
  // As the API: a token that is born expired is a mistake (`--expires 1` is the year 2001).
  if (expiresAt && expiresAt.getTime() <= Date.now()) throw new CliError(`--expires must be in the future (${expiresAt.toISOString()} is not)`);
  return { role: role.data, name: values.name, expiresAt };
}

/** The user a token is made for (`--user`): one who exists in the tenant and is not disabled. */
async function activeUserOf(database: DatabaseHandle, tenantId: string, email: string): Promise<UserRow> {
  const user = await findUserByEmail(database.db, tenantId, email);
  if (!user || user.disabled_at) throw new CliError(`--user: no active user ${email} in that tenant (hub user list shows them)`);
  return user;
}

export async function tokenCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { tenant: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, expires: { type: 'string' }, user: { type: 'string' } },
  });
  // Everything the command line alone can tell is checked before the database opens: in embedded
  // mode opening it takes seconds, and fails outright while a hub holds the data directory.
  if (action !== 'create' && action !== 'list' && action !== 'revoke') throw new CliError(usage);
  if (!values.tenant) throw new CliError(`--tenant is required\n${usage}`);
  const create = action === 'create' ? creationOf(values) : undefined;
  if (action === 'revoke' && !positionals[0]) throw new CliError(`the token id is required\n${usage}`);
  await withDatabase(async (database) => {
    const tenant = await tenantIdOf(database, values.tenant, usage);
    if (create) {
      const owner = values.user === undefined ? undefined : await activeUserOf(database, tenant, values.user);
      const { token, row } = await createApiToken(database.db, { tenantId: tenant, ...create, createdBy: cliActor, person: owner && userPerson(owner.id) });
      await recordAudit(database.db, {
        tenantId: tenant, actorType: 'cli', actorId: cliActor, action: 'token.created',
        targetType: 'api_token', targetId: row.id, detail: { name: row.name, role: row.role, ...(owner ? { user: owner.email } : {}) },
      });
      process.stdout.write(`created token ${row.id} (${row.role}${owner ? `, for ${owner.email}` : ''}); it is shown only now:\n${token}\n`);
    } else if (action === 'list') {
      const rows = await listApiTokens(database.db, tenant);
      for (const row of rows) {
        const state = row.revoked_at ? 'revoked' : row.expires_at && row.expires_at < new Date() ? 'expired' : 'active';
        process.stdout.write(
          [row.id, row.display_prefix + '…', row.role.padEnd(8), state.padEnd(7), row.last_used_at?.toISOString() ?? 'never used', row.name].join('  ') + '\n',
        );
      }
      if (rows.length === 0) process.stdout.write('no tokens\n');
    } else if (action === 'revoke') {
      const id = positionals[0] ?? '';
      const row = await revokeApiToken(database.db, tenant, id, new Date()).catch(() => undefined);
      if (!row) throw new CliError(`no active token ${id} in that tenant`);
      await recordAudit(database.db, {
        tenantId: tenant, actorType: 'cli', actorId: cliActor, action: 'token.revoked', targetType: 'api_token', targetId: row.id, detail: { name: row.name },
      });
      process.stdout.write(`revoked token ${row.id} (${row.name})\n`);
    }
  });
}
