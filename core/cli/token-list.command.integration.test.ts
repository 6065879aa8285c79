import { describe, expect, it } from 'vitest';
import { cliTestDatabase } from '../../test-support/cli-test-database.ts';
import { runCliInProcess } from '../../test-support/cli-in-process.ts';
import { tokenCommand } from './token.command.ts';

const database = cliTestDatabase('cli_token_list');

// An operator replacing tokens before they lapse reads the expiry from `hub token list`, as the
// admin UI's token page shows it.
describe('hub token list', () => {
  it('shows when each token expires, and which never do', async () => {
    const create = (name: string, ...more: string[]) => runCliInProcess(() => tokenCommand(['create', '--tenant', 'default', '--role', 'viewer', '--name', name, ...more]));
    expect((await create('lapsing', '--expires', '2031-01-31')).error).toBeUndefined();
    expect((await create('lasting')).error).toBeUndefined();

    const listed = await runCliInProcess(() => tokenCommand(['list', '--tenant', 'default']));
    expect(listed.error).toBeUndefined();
    const lineOf = (name: string) => listed.stdout.split('\n').find((line) => line.endsWith(`  ${name}`));
    expect(lineOf('lapsing')).toMatch(/…\s+expires 2031-01-31T00:00:00\.000Z\s+viewer\s+active\s+never used\s+lapsing$/);
    expect(lineOf('lasting')).toMatch(/…\s+no expiry\s+viewer\s+active\s+never used\s+lasting$/);
  });
});
