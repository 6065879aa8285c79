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
