import { describe, expect, it } from 'vitest';
import { requestSecrets, withoutCredentials } from './scrub-credentials.ts';

// Upstream error text goes into run rows, tasks, Slack alerts and logs. Whatever the upstream
// quotes back of the request (its Authorization header, a form with the client secret) or says
// about credentials on its own must leave as [redacted].

const PASSWORD = 'canary-password-7f3a';
const TOKEN = 'canary-access-token-c4d8';
const basic = `Basic ${Buffer.from(`svc-grc:${PASSWORD}`).toString('base64')}`;

describe('withoutCredentials', () => {
  it('removes every known secret, also URL-encoded and JSON-escaped', () => {
    const secret = 'p@ss word"/x';
    const text = `got ${secret}, ${encodeURIComponent(secret)}, ${JSON.stringify(secret)} and ${new URLSearchParams({ s: secret }).toString()}`;
    const scrubbed = withoutCredentials(text, [secret]);
    expect(scrubbed).not.toContain('p@ss');
    expect(scrubbed).not.toContain('p%40ss');
    expect(scrubbed).toContain('[redacted]');
  });

  it('removes the longer of two overlapping secrets whole', () => {
    expect(withoutCredentials('token abc-123-xyz', ['abc', 'abc-123-xyz'])).toBe('token [redacted]');
  });

  it('removes authorization schemes and their credentials it was not told about', () => {
    expect(withoutCredentials(`header was ${basic}`, [])).toBe('header was Basic [redacted]');
    expect(withoutCredentials('Authorization: Bearer eyJhbGciOi.eyJzdWIi.sig-nature', [])).not.toContain('eyJ');
  });

  it('removes values of fields named like credentials, in JSON, forms and prose', () => {
    const scrubbed = withoutCredentials(
      `{"client_secret":"s3cr3t-one","refresh_token": "r3fresh-two"} grant_type=password&password=hunter2-three&client_id=hub api_key: k3y-four`,
      [],
    );
    for (const value of ['s3cr3t-one', 'r3fresh-two', 'hunter2-three', 'k3y-four']) expect(scrubbed).not.toContain(value);
    // What is not a credential stays readable.
    expect(scrubbed).toContain('grant_type=password');
    expect(scrubbed).toContain('client_id=hub');
  });

  it('removes JSON Web Tokens wherever they stand', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzdmMtZ3JjIn0.c2lnbmF0dXJl';
    expect(withoutCredentials(`token ${jwt} expired`, [])).toBe('token [redacted] expired');
  });

  it('leaves ordinary upstream words alone', () => {
    const text = 'Data Policy Exception: The following fields are mandatory: Resolution code';
    expect(withoutCredentials(text, [PASSWORD, TOKEN])).toBe(text);
  });
});

describe('requestSecrets', () => {
  it('takes the credentials of the Authorization header, decoded, and of credential-named query parameters', () => {
    const secrets = requestSecrets({ headers: { authorization: basic, accept: 'application/json' }, url: new URL('https://x.example/a?key=canary-query-1&sysparm_limit=100') });
    expect(secrets).toEqual(expect.arrayContaining([basic, basic.slice(6), `svc-grc:${PASSWORD}`, PASSWORD, 'canary-query-1']));
    expect(secrets).not.toContain('100');
    expect(secrets).not.toContain('application/json');
  });

  it('takes a bearer token and custom key headers', () => {
    expect(requestSecrets({ headers: { authorization: `Bearer ${TOKEN}`, 'x-api-key': 'canary-key-2' }, url: new URL('https://x.example/') })).toEqual(
      expect.arrayContaining([TOKEN, 'canary-key-2']),
    );
  });

  it('takes the longer text values the body sent, as JSON or as a form, and leaves short ones readable', () => {
    const url = new URL('https://x.example/');
    const fromJson = requestSecrets({ headers: {}, url, json: { note: 'canary-note-3', nested: [{ value: 'canary-deep-4' }], state: '6', urgent: true } });
    expect(fromJson).toEqual(expect.arrayContaining(['canary-note-3', 'canary-deep-4']));
    expect(fromJson).not.toContain('6');
    const fromForm = requestSecrets({ headers: {}, url, body: 'grant_type=x&client_secret=canary-form-5' });
    expect(fromForm).toContain('canary-form-5');
    expect(requestSecrets({ headers: {}, url, body: Buffer.from('file bytes here') })).toEqual([]);
  });
});
