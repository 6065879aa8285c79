import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { CookieClient } from '../../test-support/browser/cookie-client.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { createUser, UserError } from '../users/user.service.ts';

// Text that goes into an indexed column must be bounded before it gets there: PostgreSQL refuses an
// index entry over about 8 kB (54000), and only text that does not compress gets that far (a long
// run of one letter is compressed to a few bytes first), so random letters and digits are sent.

/** Upper-case letters and digits that do not compress. */
function incompressible(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

describe.each(RUNTIME_MODES)('long incompressible text in indexed columns on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;

  beforeAll(async () => {
    test = await startTestHub({ label: 'long_indexed_text', ...options });
    tenant = await test.createTenant('longtext');
    await test.hub.db.insertInto('users').values({ tenant_id: tenant.id, email: 'ops@longtext.example', name: 'Ops', role: 'operator' }).execute();
  }, 120_000);
  afterAll(async () => {
    await test?.close();
  });

  for (const field of ['teamId', 'userId'] as const) {
    it(`POST /api/slack/links refuses a 12,000-character ${field} with a 4xx`, async () => {
      const body = { teamId: 'T0LONG', userId: 'U0LONG', userEmail: 'ops@longtext.example', [field]: (field === 'teamId' ? 'T' : 'U') + incompressible(12_000) };
      const response = await test.request('post', '/api/slack/links', { token: tenant.tokens.admin, body });
      expect(response.status).toBe(400);
      expect((await response.json()).error.fields.map((f: { path: string }) => f.path)).toEqual([`body.${field}`]);
      expect(await test.hub.db.selectFrom('chat_user_links').select('id').where('tenant_id', '=', tenant.id).execute()).toEqual([]);
    });
  }

  it('POST /admin/login with a 12,000-character email answers like any unknown account, not 500', async () => {
    const visitor = new CookieClient(test.app);
    await visitor.get('/admin/login?workspace=longtext');
    const csrf = visitor.csrfToken();
    expect(csrf).toBeTruthy();
    const answer = await visitor.post('/admin/login', { workspace: 'longtext', email: `${incompressible(12_000).toLowerCase()}@x.example`, password: 'not-the-password-1' }, { csrf: csrf! });
    expect(answer.status).toBe(401);
    expect(answer.body).toContain('The email or password is incorrect');
  });

  it('refuses to create a user with an email longer than SMTP allows, saying so', async () => {
    const email = `${incompressible(300).toLowerCase()}@x.example`;
    await expect(createUser(test.hub.db, { tenantId: tenant.id, email, name: 'Long', role: 'viewer', password: 'correct horse battery' })).rejects.toThrow(UserError);
  });
});
