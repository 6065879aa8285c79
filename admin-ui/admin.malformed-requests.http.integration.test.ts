import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicenow } from '../connectors/servicenow/connector.ts';
import { answerOf, excerpt, expectNoFindings, failureOf, leaksIn, type Finding } from '../test-support/answer-findings.ts';
import { startAdminHttpFixture, type AdminHttpFixture } from '../test-support/browser/admin-http-fixture.ts';
import { CookieClient } from '../test-support/browser/cookie-client.ts';

// The admin UI's pages and form posts, as a signed-in admin, with junk ids, junk queries and junk
// form fields. Answers are HTML, so the rule is: an answer comes (no hang), never a 5xx, a refusal
// for an id that is not this tenant's and for a post without a valid CSRF token, and no secret or
// other tenant's data in any page. What a refused form says is admin.form-input's subject.

/** A well-formed id that exists nowhere. */
const NOWHERE = '7b0c1f6e-3c1d-4f4a-9a51-1c2d3e4f5a6b';
const BAD_IDS = ['not-a-uuid', '%2e%2e', '%00', `${NOWHERE}%00`, '%ZZ', '%', '%ED%A0%80', 'x'.repeat(10_000), NOWHERE, NOWHERE.toUpperCase(), '00000000-0000-0000-0000-000000000000', '__proto__', 'constructor'];
const JUNK_VALUES = ['', 'a\u0000b', '\ud800', 'x'.repeat(200_000), '-1', '1e309', 'NaN', '9223372036854775808', '<script>alert(1)</script>', '../../etc/passwd'];

/** The integration form as its edit page submits it, with every stream's schedule off. */
const INTEGRATION_FORM: Record<string, string> = {
  name: 'SN malformed input',
  environment: 'staging',
  enabled: 'true',
  'config.instanceUrl': 'http://127.0.0.1:9',
  'credentials.auth.type': 'basic',
  ...Object.fromEntries(Object.keys(servicenow.streams).map((stream) => [`schedules.${stream}.mode`, 'off'])),
};

let fx: AdminHttpFixture;
let client: CookieClient;
/** The session's CSRF token: one per session, so read once. */
let csrf: string;
let forbidden: string[];

beforeAll(async () => {
  fx = await startAdminHttpFixture('admin_malformed');
  client = await fx.signIn(fx.admin);
  await client.get('/admin/settings');
  csrf = csrfOf(client);
  // The form as the page sends it is saved: the junk below reaches the handlers, past the CSRF check.
  const saved = await client.post(`/admin/integrations/${fx.acmeIntegration}`, INTEGRATION_FORM, { csrf });
  expect(saved.status, saved.body).toBe(303);
  forbidden = ['super-secret-password', 'Other tenant SN', fx.otherIntegration, ...Object.values(fx.other.tokens), ...Object.values(fx.acme.tokens)];
});
afterAll(async () => {
  await fx?.close();
});

function csrfOf(page: CookieClient): string {
  const token = page.csrfToken();
  if (!token) throw new Error('no CSRF token on the page');
  return token;
}

/** `refused`: the answer must be a 4xx. `answered`: anything but a 5xx. */
async function check(request: string, send: () => Promise<{ status: number; body: string }>, expected: 'refused' | 'answered'): Promise<Finding[]> {
  const answer = await answerOf(send);
  const findings: Finding[] = [];
  const wrong = (problem: string, shown = excerpt(answer.body)) => findings.push({ request: excerpt(request, 200), status: answer.status, problem, answer: shown });
  const failure = failureOf(answer);
  if (failure) wrong(failure);
  else if (expected === 'refused' && typeof answer.status === 'number' && answer.status < 400) wrong('expected a 4xx refusal');
  // The request itself may name the other tenant's row; the page must not add to that.
  for (const { problem, shown } of leaksIn(answer.body, forbidden.filter((text) => !request.includes(text)))) wrong(problem, shown);
  return findings;
}

const getPage = (path: string, expected: 'refused' | 'answered') => check(`GET ${path}`, () => client.get(path), expected);

const postForm = (path: string, fields: Record<string, string>, expected: 'refused' | 'answered') =>
  check(`POST ${path} ${new URLSearchParams(fields)}`, () => client.post(path, fields, { csrf }), expected);

/** A post CookieClient.post cannot make: a repeated key, or a body of another content type. */
async function postRaw(path: string, body: string, contentType: string): Promise<{ status: number; body: string }> {
  const cookie = [...client.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const response = await fx.test.app.request(`http://localhost${path}`, { method: 'POST', headers: { cookie, origin: 'http://localhost', 'content-type': contentType }, body });
  return { status: response.status, body: await response.text() };
}

async function expectEveryAnswerRight(checks: Array<() => Promise<Finding[]>>): Promise<void> {
  const findings: Finding[] = [];
  for (const run of checks) findings.push(...(await run()));
  // Whatever came before, the UI still serves the signed-in admin.
  findings.push(...(await getPage('/admin/health', 'answered')));
  expectNoFindings(findings);
}

describe('admin UI with malformed requests', () => {
  it("refuses pages for junk ids and for the other tenant's rows", async () => {
    const pages = ['/admin/integrations/:id', '/admin/integrations/:id/credentials', '/admin/runs/:id', '/admin/events/:id', '/admin/tasks/:id', '/admin/routes/:id/edit', '/admin/tokens/:id/revoke'];
    // `%2e%2e` is `..`: URL normalisation redirects it to /admin, which is fine.
    await expectEveryAnswerRight(pages.flatMap((page) => [...BAD_IDS, fx.otherIntegration].map((id) => () => getPage(page.replace(':id', id), id === '%2e%2e' ? 'answered' : 'refused'))));
  });

  it('serves runbooks only by their code', async () => {
    const codes = ['..%2F..%2Fpackage.json', '%00', 'auth_invalid%00', 'x'.repeat(5000), '__proto__', 'constructor', '.env'];
    await expectEveryAnswerRight([
      ...codes.map((code) => () => getPage(`/admin/runbooks/${code}`, 'refused')),
      ...['..', '%2e%2e'].map((code) => () => getPage(`/admin/runbooks/${code}`, 'answered')),
    ]);
  });

  it('answers lists with junk queries', async () => {
    const lists = ['/admin/runs', '/admin/events', '/admin/tasks', '/admin/health', '/admin/integrations', '/admin/routes', '/admin/catalog', '/admin/integrations/new', '/admin/tokens'];
    const queries = [
      'before=junk', 'before=2024-02-30T00:00:00Z', 'before=0000-01-01T00:00:00Z', 'before=2024-01-01T00:00:00Z&beforeId=junk', 'beforeId=%00',
      'status=bogus', 'status=%00', 'status=open&status=bogus', 'integrationId=junk', `integrationId=${fx.otherIntegration}`, 'integrationId=%00',
      'environment=%00', 'connector=__proto__', 'connector=%00', 'type=%00', 'type=%25*', 'limit=-1', 'limit=1e309', 'kind=%ED%A0%80',
      'notice=%3Cscript%3E', 'x=' + 'y'.repeat(100_000),
    ];
    await expectEveryAnswerRight(lists.flatMap((list) => queries.map((query) => () => getPage(`${list}?${query}`, 'answered'))));
  });

  it("refuses form posts to junk ids and to the other tenant's rows", async () => {
    const acme = fx.acmeIntegration;
    const actions = [
      '/admin/integrations/:id', '/admin/integrations/:id/check', '/admin/integrations/:id/sync', '/admin/integrations/:id/pause', '/admin/integrations/:id/resume',
      '/admin/integrations/:id/delete', '/admin/integrations/:id/credentials/rotate', `/admin/integrations/:id/credentials/rotations/${NOWHERE}/approve`,
      '/admin/events/:id/replay', '/admin/routes/:id', '/admin/routes/:id/delete', '/admin/tasks/:id/ack', '/admin/tasks/:id/resolve', '/admin/tokens/:id/revoke',
    ];
    const ids = [...BAD_IDS.slice(0, 9), fx.otherIntegration];
    await expectEveryAnswerRight([
      ...actions.flatMap((action) => ids.map((id) => () => postForm(action.replace(':id', id), { confirm: 'yes', name: 'x' }, 'refused'))),
      ...BAD_IDS.slice(0, 8).map((rid) => () => postForm(`/admin/integrations/${acme}/credentials/rotations/${rid}/approve`, {}, 'refused')),
    ]);
  });

  it('answers junk in every form field without a 5xx', async () => {
    const acme = fx.acmeIntegration;
    const forms: Array<[action: string, fields: string[]]> = [
      [`/admin/integrations/${acme}`, ['name', 'environment', 'enabled', 'config.instanceUrl', 'config.query', 'credentials.auth.type', 'credentials.auth~basic.username', 'credentials.auth~basic.password',
        'credentialsExpiresOn', 'schedules.incident.mode', 'schedules.incident.cron', 'schedules.incident.everySeconds', 'schedules.incident.tz', 'updated_at']],
      ['/admin/integrations?connector=servicenow', ['name', 'environment', 'config.instanceUrl', 'schedules.incident.mode', 'schedules.incident.cron', 'schedules.incident.everySeconds']],
      [`/admin/integrations/${acme}/sync`, ['stream', 'mode']],
      [`/admin/integrations/${acme}/credentials/rotate`, ['reason', 'expiresOn', 'credentials.auth.type', 'credentials.auth~basic.password']],
      ['/admin/routes', ['name', 'targetIntegrationId', 'action', 'filter.eventType', 'filter.sourceIntegrationId', 'inputTemplate', 'filter.fields', 'enabled']],
      ['/admin/settings', ['requireRotationApproval']],
      ['/admin/tokens', ['name', 'role', 'expiresOn', 'formId']],
    ];
    const twice = (field: string) => new URLSearchParams([['_csrf', csrf], ...Object.entries(INTEGRATION_FORM), [field, 'a'], [field, 'b']]).toString();
    // A cron that croner takes and BullMQ's parser refuses (over 256 values in a field).
    const queueRefusedCron = '0-59/1 ' + '*,'.repeat(40) + '* * * *';
    await expectEveryAnswerRight([
      ...forms.flatMap(([action, fields]) =>
        fields.flatMap((field) => [
          // The other tenant's id only where an id belongs (as a name it would merely be stored as text).
          ...[...JUNK_VALUES, ...(/IntegrationId/.test(field) ? [fx.otherIntegration] : [])].map((value) => () => postForm(action, { ...INTEGRATION_FORM, [field]: value }, 'answered')),
          () => check(`POST ${action} ${field} twice`, () => postRaw(action, twice(field), 'application/x-www-form-urlencoded'), 'answered'),
        ]),
      ),
      () => postForm(`/admin/integrations/${acme}`, { ...INTEGRATION_FORM, 'schedules.incident.mode': 'cron', 'schedules.incident.cron': queueRefusedCron }, 'answered'),
    ]);
  });

  it('refuses posts without a valid CSRF token, of another content type, or too large', async () => {
    const settings = { requireRotationApproval: 'true' };
    await expectEveryAnswerRight([
      () => check('POST /admin/settings without _csrf', () => client.post('/admin/settings', settings, { csrf: null }), 'refused'),
      () => check('POST /admin/settings with _csrf=x', () => client.post('/admin/settings', settings, { csrf: 'x' }), 'refused'),
      () => check('POST /admin/settings as JSON', () => postRaw('/admin/settings', '{"requireRotationApproval":"true"}', 'application/json'), 'refused'),
      // A multipart body cut before its closing boundary.
      () => check('POST /admin/settings as cut multipart', () => postRaw('/admin/settings', '--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--b', 'multipart/form-data; boundary=b'), 'refused'),
      () => postForm('/admin/settings', { x: 'y'.repeat(1_100_000) }, 'refused'),
    ]);
  });

  it('refuses junk sign-ins', async () => {
    const visitor = new CookieClient(fx.test.app);
    await visitor.get('/admin/login?workspace=acme');
    const loginCsrf = csrfOf(visitor);
    const signIn = (fields: Record<string, string>) => check(`POST /admin/login ${new URLSearchParams(fields)}`, () => visitor.post('/admin/login', fields, { csrf: loginCsrf }), 'refused');
    await expectEveryAnswerRight([
      () => check('GET /admin/login?workspace=%00', () => visitor.get('/admin/login?workspace=%00'), 'answered'),
      () => signIn({ email: 'a\u0000', password: '\ud800', workspace: '__proto__' }),
      () => signIn({ email: 'x'.repeat(200_000), password: 'y'.repeat(200_000), workspace: 'acme' }),
    ]);
  });
});
