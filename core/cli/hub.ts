#!/usr/bin/env node
import { ConfigError } from '../config/config.load.ts';
import { dataDirectoryErrorAt, DataDirectoryUnusableError } from '../db/data-dir.error.ts';
import { DataDirectoryLockedError } from '../db/data-dir.lock.ts';
import { EmbeddedDatabaseVersionError } from '../db/embedded-version.ts';
import { DatabaseNewerError, MigrationFailedError } from '../db/migrate.ts';
import { CliError } from './cli-error.ts';
import { isHelpFlag } from './command-line.ts';
import { KeySetIncompleteError } from '../vault/key-usage.ts';
import { MasterKeyMismatchError } from '../vault/master-key.check.ts';
import { InvalidMasterKeysError } from '../vault/master-key.file.ts';
import { UndecryptableSecretError } from '../vault/master-key.rotation.ts';
import { keysCommand } from './keys.command.ts';
import { migrateCommand } from './migrate.command.ts';
import { startCommand } from './start.command.ts';
import { tokenCommand } from './token.command.ts';
import { userCommand } from './user.command.ts';

const help = `hub — integration hub for GRC teams

  hub start                 run the hub (role from HUB_ROLE: api, worker or all)
  hub migrate               apply database migrations and exit
  hub token create|list|revoke   manage API tokens (run "hub token" for options)
  hub user create|list|enable|disable|set-password   manage admin UI users (run "hub user" for options)
  hub keys generate|status|rotate   master keys: new entry, usage per version, re-encrypt

  hub <command> --help      the options of a command
`;

const commands: Record<string, (args: string[]) => Promise<void>> = {
  start: (args) => startCommand(args),
  migrate: (args) => migrateCommand(args),
  token: (args) => tokenCommand(args),
  user: (args) => userCommand(args),
  keys: (args) => keysCommand(args),
};

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || isHelpFlag(name)) {
    process.stdout.write(help);
    return;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    // Nothing on stdout: `$(hub key generate)` must not capture the help text into a file.
    process.stderr.write(`hub: unknown command ${JSON.stringify(name)}; run "hub --help" for the commands\n`);
    process.exitCode = 2;
    return;
  }
  await command(args);
}

/** HUB_DATA_DIR as configured (the default of config.schema.ts when unset), for naming it in an error. */
function configuredDataDir(): string {
  const value = process.env['HUB_DATA_DIR'];
  return value !== undefined && value.trim() !== '' ? value : './data';
}

main(process.argv.slice(2)).catch((caught: unknown) => {
  // A file-system error in the data directory (read-only, another user's, a file, full) is one line
  // naming HUB_DATA_DIR, wherever it was raised.
  const error = dataDirectoryErrorAt(caught, configuredDataDir()) ?? caught;
  // Expected failures (usage mistakes among them) are one clear line; anything else keeps its stack for diagnosis.
  if (
    error instanceof ConfigError ||
    error instanceof CliError ||
    error instanceof MigrationFailedError ||
    error instanceof DatabaseNewerError ||
    error instanceof UndecryptableSecretError ||
    error instanceof KeySetIncompleteError ||
    error instanceof MasterKeyMismatchError ||
    error instanceof InvalidMasterKeysError ||
    error instanceof DataDirectoryLockedError ||
    error instanceof DataDirectoryUnusableError ||
    error instanceof EmbeddedDatabaseVersionError
  ) {
    // A ConfigError is one line per bad variable: each gets its `hub:`, so each greps alike. Other
    // messages may go on with a usage block, which reads as one message.
    const lines = error instanceof ConfigError ? error.message.split('\n') : [error.message];
    process.stderr.write(lines.map((line) => `hub: ${line}\n`).join(''));
  } else {
    process.stderr.write(`hub: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
