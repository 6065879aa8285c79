import { describe, expect, it } from 'vitest';
import { credentialHint } from './integration-credentials.ts';

// The hint is kept in clear beside the sealed credentials and shown by the API and the admin UI: it
// says that a secret is stored, and gives away none of its characters.

describe('credentialHint', () => {
  it.each([
    ['a basic auth password', { auth: { type: 'basic', username: 'svc', password: 'correct-horse-battery' } }],
    ['an OAuth client secret', { auth: { type: 'oauth2', grant: 'client_credentials', clientId: 'hub-client', clientSecret: 'a-long-client-secret-9876' } }],
    ['a Slack signing secret and bot token', { botToken: 'xoxb-0000000000-1111111111-abcdefghij', signingSecret: 'slack-signing-secret-0123456789' }],
    ['a bearer token', { auth: { type: 'bearer', token: 'kit-token-1234567890' } }],
    ['an API key', { auth: { type: 'api_key', key: 'key-abcdefghijklmnop' } }],
  ])('shows only that %s is set, with no tail', (_label, credentials) => {
    expect(credentialHint(credentials)).toBe('••••');
  });

  it('has no hint for credentials that hold no secret', () => {
    expect(credentialHint({ auth: { type: 'basic', username: 'svc' } })).toBeNull();
    expect(credentialHint(undefined)).toBeNull();
  });
});
