import { describe, expect, it } from 'vitest';
import { runHubCommand } from '../../test-support/hub-process.ts';

// `hub token` and `hub user` check their command line before opening the database: a usage
// mistake gets its answer at once, even while the database is down or (embedded) a running hub
// holds the data directory. A database nobody listens on proves it was never opened.

const unreachable = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing_here', USER: 'tester' };

describe('CLI usage errors before the database', () => {
  it.each([
    [['token'], /^hub: usage:\n {2}hub token create/],
    [['token', 'list'], /^hub: --tenant is required\nusage:/],
    [['token', 'create', '--tenant', 'default', '--name', 'ci'], /^hub: --role must be admin, operator or viewer\nusage:/],
    [['token', 'create', '--tenant', 'default', '--role', 'viewer', '--name', 'ci', '--expires', '2030-02-30'], /^hub: --expires must be an ISO date such as 2030-01-31 \(2030-02-30 is not\)\n$/],
    [['token', 'revoke', '--tenant', 'default'], /^hub: the token id is required\nusage:/],
    [['user'], /^hub: usage:\n {2}hub user create/],
    // No password is asked for a command that cannot run.
    [['user', 'create', '--email', 'a@example.com', '--name', 'A', '--role', 'admin'], /^hub: --tenant is required\nusage:/],
  ])('hub %j answers with its usage mistake', async (args, expected) => {
    const run = await runHubCommand(args, unreachable);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(expected);
    expect(run.stderr).not.toMatch(/database|ECONNREFUSED/i);
  });
});

// The wiring in hub.ts: each command gets its arguments (`hub migrate --dry-run` must not migrate),
// help goes to stdout with exit 0, and an unknown command is one line on stderr with exit 2 and
// nothing on stdout, where `$(hub key generate)` would capture it into a file.
describe('CLI help, unknown options and unknown commands', () => {
  it.each([
    [['migrate', '--dry-run'], 'hub: unknown option --dry-run; run "hub migrate --help" for its options\n'],
    [['start', '--port', '9000'], 'hub: unknown option --port; run "hub start --help" for its options\n'],
    [['token', 'revoke', 'id-a', 'id-b', '--tenant', 'default'], 'hub: unexpected argument "id-b": "hub token revoke" takes one argument; run "hub token" for its usage\n'],
  ])('hub %j is refused with exit 1, before the database', async (args, expected) => {
    expect(await runHubCommand(args, unreachable)).toEqual({ code: 1, stdout: '', stderr: expected });
  });

  it.each([
    [['start', '--help'], /^usage:\n {2}hub start /],
    [['token', '--help'], /^usage:\n {2}hub token create/],
    [[], /^hub — integration hub/],
    [['--help'], /^hub — integration hub/],
  ])('hub %j prints its usage on stdout and exits 0', async (args, expected) => {
    const run = await runHubCommand(args, unreachable);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(expected);
  });

  it('names an unknown command on stderr with exit 2, and prints nothing on stdout', async () => {
    expect(await runHubCommand(['key', 'generate'], unreachable)).toEqual({
      code: 2,
      stdout: '',
      stderr: 'hub: unknown command "key"; run "hub --help" for the commands\n',
    });
  });
});
