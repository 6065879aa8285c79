import { describe, expect, it } from 'vitest';
import { cliTestDatabase } from '../../test-support/cli-test-database.ts';
import { runCliInProcess } from '../../test-support/cli-in-process.ts';
import { tokenCommand } from './token.command.ts';
import { CreateApiTokenRequest } from '../../schemas/api/token.schema.ts';

const database = cliTestDatabase('cli_token_name');

// A token's name is taken as the API and the admin UI take it: trimmed, 1–100 characters.
describe('hub token create --name', () => {
  it.each([
    ['blank', '   '],
    ['longer than the API allows', 'x'.repeat(5000)],
  ])('refuses a %s name, as POST /api/tokens and the admin UI do', async (_label, name) => {
    expect(CreateApiTokenRequest.safeParse({ name, role: 'viewer' }).success).toBe(false);
    const outcome = await runCliInProcess(() => tokenCommand(['create', '--tenant', 'default', '--role', 'viewer', '--name', name]));
    
    expect(outcome.error).toBeDefined();
    const rows = await database.db.selectFrom('api_tokens').select('name').execute();
    expect(rows).toEqual([]);
  });
});
