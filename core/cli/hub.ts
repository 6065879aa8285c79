#!/usr/bin/env node
import { ConfigError } from '../config/config.load.ts';
import { DataDirectoryLockedError } from '../db/data-dir.lock.ts';
import { MigrationFailedError } from '../db/migrate.ts';
import { CliError } from './cli-error.ts';
import { KeySetIncompleteError } from '../vault/key-usage.ts';
import { MasterKeyMismatchError } from '../vault/master-key.check.ts';
import { InvalidMasterKeysError } from '../vault/master-key.file.ts';
import { keysCommand } from './keys.command.ts';
import { migrateCommand } from './migrate.command.ts';
import { startCommand } from './start.command.ts';
import { tokenCommand } from './token.command.ts';
import { userCommand } from './user.command.ts';

const help = `hub — integration hub for GRC teams

  hub start                 run the hub (role from HUB_ROLE: api, worker or all)
  hub migrate               apply database migrations and exit
  hub token create|list|revoke   manage API tokens (run "hub token" for options)
  hub user create|list|disable   manage admin UI users (run "hub user" for options)
  hub keys generate|status|rotate   master keys: new entry, usage per version, re-encrypt
`;

const commands: Record<string, (args: string[]) => Promise<void>> = {
  start: () => startCommand(),
  migrate: () => migrateCommand(),
  token: (args) => tokenCommand(args),
  user: (args) => userCommand(args),
  keys: (args) => keysCommand(args),
};

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    process.stdout.write(help);
    if (name && name !== 'help' && name !== '--help') process.exitCode = 2;
    return;
  }
  await command(args);
}

/** The one line for a command line that `parseArgs` refused (unknown option, missing value, …). */
function argumentError(error: unknown, command: string | undefined): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) return undefined;
  const help = `run "hub ${command ?? ''}" for its options`;
  const option = /'([^']+)'/.exec((error as Error).message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) return `unknown option ${option}; ${help}`;
  return `${(error as Error).message.split('\n')[0]}; ${help}`;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // Expected failures are one clear line; anything else keeps its stack for diagnosis.
  const badArguments = argumentError(error, process.argv[2]);
  if (badArguments) {
    process.stderr.write(`hub: ${badArguments}\n`);
  } else if (
    error instanceof ConfigError ||
    error instanceof CliError ||
    error instanceof MigrationFailedError ||
    error instanceof KeySetIncompleteError ||
    error instanceof MasterKeyMismatchError ||
    error instanceof InvalidMasterKeysError ||
    error instanceof DataDirectoryLockedError
  ) {
    process.stderr.write(`hub: ${error.message}\n`);
  } else {
    process.stderr.write(`hub: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
