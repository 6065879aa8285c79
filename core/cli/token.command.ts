import { recordAudit } from '../audit/audit.repository.ts';
import { listApiTokens } from '../auth/api-token.repository.ts';
import { revokeTokenLine } from '../auth/api-token-revocation.ts';
import { createApiToken } from '../auth/api-token.service.ts';
import { userPerson } from '../auth/principal.ts';
import { Role } from '../auth/roles.ts';
import type { DatabaseHandle } from '../db/database.connect.ts';
import { isUuidText } from '../db/uuid-text.ts';
import { findUserByEmail, type UserRow } from '../users/user.repository.ts';
import { Timestamp } from '../../schemas/api/common.schema.ts';
import { CreateApiTokenRequest } from '../../schemas/api/token.schema.ts';
import { CliError } from './cli-error.ts';
import { commandLine, isHelpFlag } from './command-line.ts';
import { cliActor, tenantIdOf } from './cli-tenant.ts';
import { withDatabase } from './with-database.ts';

const usage = `usage:
  hub token create --tenant <slug> --role <admin|operator|viewer> --name <name> [--expires <date>] [--user <email>]
  hub token list --tenant <slug>
  hub token revoke <token id> --tenant <slug> [--with-descendants]`;

/**
 * `--expires`: what the API takes for a timestamp (ISO 8601 in UTC, years 0001–9999), or a bare
 * date, which is midnight UTC of that day. Nothing else: `new Date()` reads "2030-01-15 dec" as
 * 1 December, a time without a zone in the machine's local time, and years past 9999.
 */
export function expiryOf(text: string): Date {
  const timestamp = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
  if (!Timestamp.safeParse(timestamp).success) {
    // A time of day gets the form with one; anything else the plain date most people mean.
    const expected = /^\d{4}-\d{2}-\d{2}T/i.test(text) ? 'a UTC timestamp such as 2030-01-31T12:00:00Z' : 'an ISO date such as 2030-01-31';
    throw new CliError(`--expires must be ${expected} (${text} is not)`);
  }
  return new Date(timestamp);
}

/**
 * `expires <time>` or `no expiry`, one width either way. Ahead of the role: scripts read the role,
 * state, last use and name as the columns that end each line.
 */
function expiryColumn(expiresAt: Date | null): string {
  return (expiresAt ? `expires ${expiresAt.toISOString()}` : 'no expiry').padEnd(32);
}

/** What `token create` asks for, checked: a role, a name and an expiry in the future, if any. */
function creationOf(values: { role?: string; name?: string; expires?: string }): { role: Role; name: string; expiresAt: Date | undefined } {
  const role = Role.safeParse(values.role);
  if (!role.success) throw new CliError(`--role must be admin, operator or viewer\n${usage}`);
  if (!values.name) throw new CliError(`--name is required\n${usage}`);
  // As the API and the admin UI take names: trimmed, 1–100 characters.
  const name = CreateApiTokenRequest.shape.name.safeParse(values.name);
  if (!name.success) throw new CliError(`--name must be 1 to 100 characters, not only spaces (${name.error.issues[0]?.message ?? 'invalid'})`);
  const expiresAt = values.expires === undefined ? undefined : expiryOf(values.expires);
  // As the API: a token that is born expired is a mistake.
  if (expiresAt && expiresAt.getTime() <= Date.now()) throw new CliError(`--expires must be in the future (${expiresAt.toISOString()} is not)`);
  return { role: role.data, name: name.data, expiresAt };
}

/** The user a token is made for (`--user`): one who exists in the tenant and is not disabled. */
async function activeUserOf(database: DatabaseHandle, tenantId: string, email: string): Promise<UserRow> {
  const user = await findUserByEmail(database.db, tenantId, email);
  if (!user || user.disabled_at) throw new CliError(`--user: no active user ${email} in that tenant (hub user list shows them)`);
  return user;
}

const revokeOptions = { tenant: { type: 'string' }, 'with-descendants': { type: 'boolean' } } as const;

/**
 * `token revoke`: the token, and with `--with-descendants` every token made from it. Without it,
 * says how many tokens made from it still work, as the API's answer and the admin UI do.
 */
async function revokeCommand(database: DatabaseHandle, tenantId: string, slug: string, id: string, withDescendants: boolean): Promise<void> {
  const revocation = isUuidText(id)
    ? await revokeTokenLine(database.db, tenantId, id, { withDescendants, at: new Date(), actor: { actorType: 'cli', actorId: cliActor } })
    : undefined;
  if (!revocation) throw new CliError(withDescendants ? `no active token ${id}, or token made from it, in that tenant` : `no active token ${id} in that tenant`);
  for (const token of revocation.revoked) {
    const madeFrom = token.id === id ? '' : `, made from ${token.created_by_token_id}`;
    process.stdout.write(`revoked token ${token.id} (${token.name})${madeFrom}\n`);
  }
  const left = revocation.activeDescendantIds.length;
  if (left > 0) {
    process.stdout.write(`${left} token${left === 1 ? '' : 's'} made from it still work${left === 1 ? 's' : ''}; to revoke them too: hub token revoke ${id} --tenant ${slug} --with-descendants\n`);
  }
}

const createOptions = {
  tenant: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, expires: { type: 'string' }, user: { type: 'string' },
} as const;

export async function tokenCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  if (isHelpFlag(action)) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  // Everything the command line alone can tell is checked before the database opens: in embedded
  // mode opening it takes seconds, and fails outright while a hub holds the data directory.
  if (action !== 'create' && action !== 'list' && action !== 'revoke') throw new CliError(usage);
  const parsed = action === 'create'
    ? commandLine('token create', rest, { usage, options: createOptions })
    // One id at most: `revoke <id> <id>` would otherwise revoke the first and leave the second working.
    : action === 'revoke'
      ? commandLine('token revoke', rest, { usage, options: revokeOptions, positionals: 1 })
      : commandLine('token list', rest, { usage, options: { tenant: { type: 'string' } } });
  if (!parsed) return;
  const values: { tenant?: string; role?: string; name?: string; expires?: string; user?: string; 'with-descendants'?: boolean } = parsed.values;
  const { positionals } = parsed;
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
          [row.id, row.display_prefix + '…', expiryColumn(row.expires_at), row.role.padEnd(8), state.padEnd(7), row.last_used_at?.toISOString() ?? 'never used', row.name].join('  ') + '\n',
        );
      }
      if (rows.length === 0) process.stdout.write('no tokens\n');
    } else if (action === 'revoke') {
      await revokeCommand(database, tenant, values.tenant ?? '', positionals[0] ?? '', values['with-descendants'] === true);
    }
  });
}
