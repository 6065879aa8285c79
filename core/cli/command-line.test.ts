import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../test-support/cli-in-process.ts';
import { keysCommand } from './keys.command.ts';
import { migrateCommand } from './migrate.command.ts';
import { startCommand } from './start.command.ts';
import { tokenCommand } from './token.command.ts';
import { userCommand } from './user.command.ts';

// Every command parses its arguments strictly, in process: `--help` answers with the usage and
// does nothing else, and an option or argument a command does not take is a usage mistake, never
// ignored while the command goes ahead. A database nobody listens on proves none was opened: a
// command that went ahead would stop with a connection error instead.

const unreachable = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing_here',
  HUB_MASTER_KEYS: `1:${Buffer.alloc(32, 1).toString('base64')}`,
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'silent',
};
const saved = Object.fromEntries(Object.keys(unreachable).map((name) => [name, process.env[name]]));
beforeAll(() => Object.assign(process.env, unreachable));
afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const commands = { start: startCommand, migrate: migrateCommand, token: tokenCommand, user: userCommand, keys: keysCommand };
type Name = keyof typeof commands;

describe('hub <command> --help', () => {
  it.each<[Name, string[], RegExp]>([
    ['start', ['--help'], /^usage:\n {2}hub start /],
    ['migrate', ['--help'], /^usage:\n {2}hub migrate /],
    ['migrate', ['-h'], /^usage:\n {2}hub migrate /],
    ['token', ['--help'], /^usage:\n {2}hub token create/],
    ['token', ['create', '--help'], /^usage:\n {2}hub token create/],
    ['token', ['revoke', 'some-id', '--help'], /^usage:\n {2}hub token create/],
    ['user', ['--help'], /^usage:\n {2}hub user create/],
    ['user', ['create', '--tenant', 'default', '--help'], /^usage:\n {2}hub user create/],
    ['user', ['disable', '-h'], /^usage:\n {2}hub user create/],
    ['keys', ['--help'], /^usage:\n {2}hub keys generate/],
    ['keys', ['status', '--help'], /^usage:\n {2}hub keys generate/],
    ['keys', ['rotate', '--help'], /^usage:\n {2}hub keys generate/],
    ['keys', ['generate', '--help'], /^usage:\n {2}hub keys generate/],
  ])('hub %s %j prints the usage and does nothing else', async (name, args, usage) => {
    const outcome = await runCliInProcess(() => commands[name](args));
    expect(outcome.error).toBeUndefined();
    expect(outcome.stdout).toMatch(usage);
  });
});

describe('arguments a command does not take', () => {
  it.each<[Name, string[], string]>([
    // Options (the settings are environment variables): refused, not ignored.
    ['start', ['--port', '9000'], 'unknown option --port; run "hub start --help" for its options'],
    ['migrate', ['--dry-run'], 'unknown option --dry-run; run "hub migrate --help" for its options'],
    ['keys', ['rotate', '--force'], 'unknown option --force; run "hub keys" for its options'],
    ['keys', ['status', 'now'], 'unexpected argument "now": "hub keys status" takes no arguments; run "hub keys" for its usage'],
    ['token', ['list', '--tenant', 'default', '--role', 'admin'], 'unknown option --role; run "hub token" for its options'],
    // More ids than the command acts on: it must not act on the first and exit 0.
    ['token', ['revoke', 'id-a', 'id-b', '--tenant', 'default'], 'unexpected argument "id-b": "hub token revoke" takes one argument; run "hub token" for its usage'],
    ['user', ['disable', 'ann@example.com', 'bob@example.com', '--tenant', 'default'], 'unexpected argument "bob@example.com": "hub user disable" takes one argument; run "hub user" for its usage'],
    ['token', ['create', 'ci', '--tenant', 'default', '--role', 'viewer', '--name', 'ci'], 'unexpected argument "ci": "hub token create" takes no arguments; run "hub token" for its usage'],
    ['token', ['list', 'default', '--tenant', 'default'], 'unexpected argument "default": "hub token list" takes no arguments; run "hub token" for its usage'],
    ['user', ['list', 'extra', '--tenant', 'default'], 'unexpected argument "extra": "hub user list" takes no arguments; run "hub user" for its usage'],
    ['user', ['create', 'a@example.com', '--tenant', 'default', '--email', 'a@example.com', '--name', 'A', '--role', 'admin'], 'unexpected argument "a@example.com": "hub user create" takes no arguments; run "hub user" for its usage'],
  ])('hub %s %j is a usage mistake, before the database', async (name, args, message) => {
    expect(await runCliInProcess(() => commands[name](args))).toEqual({ stdout: '', error: message });
  });
});
