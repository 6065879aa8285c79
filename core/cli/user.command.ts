import { recordAudit } from '../audit/audit.repository.ts';
import { Role } from '../auth/roles.ts';
import { MIN_PASSWORD_LENGTH } from '../auth/password.ts';
import { listUsers } from '../users/user.repository.ts';
import { createUser, disableUserAccount, enableUserAccount, setUserPassword, UserError, type DisabledUser } from '../users/user.service.ts';
import { CliError } from './cli-error.ts';
import { commandLine, isHelpFlag } from './command-line.ts';
import { cliActor, tenantIdOf } from './cli-tenant.ts';
import { withDatabase } from './with-database.ts';

// Admin UI users: people who sign in with email and password (API tokens are for machines).

const usage = `usage:
  hub user create --tenant <slug> --email <email> --name <name> --role <admin|operator|viewer>
  hub user list --tenant <slug>
  hub user disable <email> --tenant <slug>
  hub user enable <email> --tenant <slug>
  hub user set-password <email> --tenant <slug>

The password of a new user, or the new password, is read from HUB_USER_PASSWORD, or asked for on a
terminal (not echoed). It must be at least ${MIN_PASSWORD_LENGTH} characters long.`;

/** The part of a terminal's input stream the prompt uses (a test passes its own). */
export type PromptInput = Pick<NodeJS.ReadStream, 'setRawMode' | 'resume' | 'pause' | 'setEncoding' | 'on' | 'off' | 'readableEnded'>;

/**
 * Reads a line from the terminal without echoing it. Ctrl-C, Ctrl-D on an empty line and the end
 * of the input (the terminal went away) cancel with a CliError instead of waiting for ever.
 */
export function promptHidden(question: string, input: PromptInput = process.stdin): Promise<string> {
  if (input.readableEnded) return Promise.reject(new CliError('cancelled (end of input)'));
  return new Promise((resolve, reject) => {
    let value = '';
    // Raw mode before the prompt: whatever is typed once the prompt shows is never echoed.
    input.setRawMode(true);
    process.stderr.write(question);
    input.resume();
    input.setEncoding('utf8');
    const done = (error?: Error): void => {
      input.off('data', onData);
      input.off('end', onEnd);
      // A terminal that has gone away may refuse the mode change; the answer is the same.
      try {
        input.setRawMode(false);
      } catch {
        // nothing to restore
      }
      input.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string): void => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003') return done(new CliError('cancelled'));
        // Ctrl-D: the end of input when nothing is typed, as at any terminal prompt; ignored after text.
        if (char === '\u0004' && value === '') return done(new CliError('cancelled (end of input)'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else if (char >= ' ') value += char;
      }
    };
    const onEnd = (): void => done(new CliError('cancelled (end of input)'));
    input.on('data', onData);
    input.on('end', onEnd);
  });
}

async function readPassword(): Promise<string> {
  const fromEnv = process.env['HUB_USER_PASSWORD'];
  if (fromEnv) return fromEnv;
  if (!process.stdin.isTTY) throw new CliError('set HUB_USER_PASSWORD, or run this on a terminal to type the password');
  const first = await promptHidden('Password: ');
  if (first.length < MIN_PASSWORD_LENGTH) throw new CliError(`the password must be at least ${MIN_PASSWORD_LENGTH} characters long`);
  const second = await promptHidden('Repeat the password: ');
  if (first !== second) throw new CliError('the passwords do not match');
  return first;
}

const createOptions = { tenant: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' } } as const;

export async function userCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  if (isHelpFlag(action)) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (action !== 'create' && action !== 'list' && action !== 'disable' && action !== 'enable' && action !== 'set-password') throw new CliError(usage);
  const parsed = action === 'create'
    ? commandLine('user create', rest, { usage, options: createOptions })
    // One email at most: `disable <email> <email>` would otherwise disable the first and leave the second active.
    : commandLine(`user ${action}`, rest, { usage, options: { tenant: { type: 'string' } }, positionals: action === 'list' ? 0 : 1 });
  if (!parsed) return;
  const values: { tenant?: string; email?: string; name?: string; role?: string } = parsed.values;
  const { positionals } = parsed;
  // Before the password prompt and the database: nothing is asked for a command that cannot run.
  if (!values.tenant) throw new CliError(`--tenant is required\n${usage}`);
  if (action !== 'create' && action !== 'list' && !positionals[0]) throw new CliError(`the email is required\n${usage}`);
  if (action === 'create') {
    const role = Role.safeParse(values.role);
    if (!role.success) throw new CliError(`--role must be admin, operator or viewer\n${usage}`);
    if (!values.email) throw new CliError(`--email is required\n${usage}`);
    if (!values.name) throw new CliError(`--name is required\n${usage}`);
    // Asked before the database opens, so a typo at the prompt does not hold a connection.
    const password = await readPassword();
    await withDatabase(async (database) => {
      const tenant = await tenantIdOf(database, values.tenant, usage);
      const user = await createUser(database.db, { tenantId: tenant, email: values.email ?? '', name: values.name ?? '', role: role.data, password }).catch((error: unknown) => {
        throw error instanceof UserError ? new CliError(error.message) : error;
      });
      await recordAudit(database.db, {
        tenantId: tenant, actorType: 'cli', actorId: cliActor, action: 'user.created', targetType: 'user', targetId: user.id, detail: { email: user.email, role: user.role },
      });
      process.stdout.write(`created user ${user.email} (${user.role}); they can sign in at /admin with the workspace "${values.tenant}"\n`);
    });
    return;
  }
  if (action === 'set-password') {
    const email = positionals[0] ?? '';
    const password = await readPassword();
    await withDatabase(async (database) => {
      const tenant = await tenantIdOf(database, values.tenant, usage);
      const user = await setUserPassword(database.db, tenant, email, password).catch((error: unknown) => {
        throw error instanceof UserError ? new CliError(error.message) : error;
      });
      if (!user) throw new CliError(`no user ${email} in that tenant`);
      await recordAudit(database.db, { tenantId: tenant, actorType: 'cli', actorId: cliActor, action: 'user.password_set', targetType: 'user', targetId: user.id, detail: { email: user.email } });
      process.stdout.write(`set a new password for ${user.email}; their sessions ended, their API tokens stay\n`);
    });
    return;
  }
  await withDatabase(async (database) => {
    const tenant = await tenantIdOf(database, values.tenant, usage);
    if (action === 'list') {
      const rows = await listUsers(database.db, tenant);
      for (const row of rows) {
        process.stdout.write([row.email.padEnd(32), row.role.padEnd(8), (row.disabled_at ? 'disabled' : 'active').padEnd(8), row.name].join('  ') + '\n');
      }
      if (rows.length === 0) process.stdout.write('no users\n');
      return;
    }
    const email = positionals[0] ?? '';
    const audit = async ({ user: row, revokedTokens }: DisabledUser, change: 'disabled' | 'enabled') => {
      await recordAudit(database.db, {
        tenantId: tenant, actorType: 'cli', actorId: cliActor, action: `user.${change}`, targetType: 'user', targetId: row.id, detail: { email: row.email },
      });
      for (const token of revokedTokens) {
        await recordAudit(database.db, {
          tenantId: tenant, actorType: 'cli', actorId: cliActor, action: 'token.revoked', targetType: 'api_token', targetId: token.id, detail: { name: token.name, reason: `user ${change}` },
        });
      }
    };
    if (action === 'enable') {
      // Signs in again with the password they had; no earlier session or token comes back.
      const enabled = await enableUserAccount(database.db, tenant, email, new Date());
      if (!enabled) throw new CliError(`no disabled user ${email} in that tenant`);
      await audit(enabled, 'enabled');
      process.stdout.write(`enabled user ${enabled.user.email}; they can sign in again, and need new API tokens\n`);
      return;
    }
    const disabled = await disableUserAccount(database.db, tenant, email, new Date());
    if (!disabled) throw new CliError(`no active user ${email} in that tenant`);
    const { user: row, revokedTokens } = disabled;
    await audit(disabled, 'disabled');
    const tokens = revokedTokens.length === 0 ? '' : ` and ${revokedTokens.length} API token${revokedTokens.length === 1 ? '' : 's'} acting for them ${revokedTokens.length === 1 ? 'was' : 'were'} revoked`;
    process.stdout.write(`disabled user ${row.email}; their sessions ended${tokens}\n`);
  });
}
