import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub } from '../../test-support/test-hub.ts';
import { CookieClient } from '../../test-support/browser/cookie-client.ts';
import { MAX_FAILURES } from './lockout.ts';

// Unknown emails, unknown workspaces, disabled users and wrong passwords get the same answer: the
// lockout too, or the answer to the sixth guess would tell whether a workspace exists.

describe.each(RUNTIME_MODES)('sign-in guesses in a workspace that does not exist ($name)', ({ options }) => {
  let test: TestHub;
  beforeAll(async () => {
    test = await startTestHub({ label: 'sign_in_unknown_workspace', ...options });
    await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
  });

  async function statuses(workspace: string, email: string): Promise<number[]> {
    const client = new CookieClient(test.app);
    await client.get('/admin/login');
    const csrf = client.csrfToken();
    const answers: number[] = [];
    for (let guess = 0; guess <= MAX_FAILURES; guess++) {
      answers.push((await client.post('/admin/login', { email, password: `guess number ${guess}xx`, workspace }, { csrf: csrf ?? null })).status);
    }
    return answers;
  }

  it('lock out as those in an existing workspace do', async () => {
    const existing = await statuses('acme', 'nobody@example.com');
    expect(existing.at(-1)).toBe(429);
    expect(await statuses('no-such-workspace', 'nobody@example.com')).toEqual(existing);
    // Counted per workspace named and email, as in an existing workspace.
    expect((await statuses('another-missing-one', 'nobody@example.com'))[0]).toBe(401);
  });

  it('answer a slug longer than any workspace\'s as invalid, without a 500', async () => {
    expect(new Set(await statuses('x'.repeat(5_000), 'nobody@example.com'))).toEqual(new Set([401]));
  });
});
