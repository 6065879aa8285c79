import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../sdk/failure.ts';
import { loggableError } from './loggable-error.ts';
import { slackTestContext } from './test-context.testing.ts';

// A failed command or button is logged with its code and message, which an error from a proxy or a
// library may have filled with the request: tokens, the signing secret and response_url paths are
// cut out first.

const BOT_TOKEN = 'xoxb-CANARY-0123456789-abcdef';
const SIGNING_SECRET = 'signing-CANARY-secret-0123456789';
const { ctx } = slackTestContext('http://127.0.0.1:9/api/', { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET });

describe('loggableError', () => {
  it('gives a ConnectorError\'s failure code and its message', () => {
    expect(loggableError(new ConnectorError('upstream_unavailable', 'POST /response/x answered 503'), ctx)).toEqual({ name: 'ConnectorError', code: 'upstream_unavailable', message: 'POST /response/x answered 503' });
  });

  it('gives another error\'s own code (Node, pg, Slack) and none when it has none', () => {
    expect(loggableError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), ctx)).toEqual({ name: 'Error', code: 'ECONNRESET', message: 'read ECONNRESET' });
    expect(loggableError(new TypeError('x is undefined'), ctx)).toEqual({ name: 'TypeError', message: 'x is undefined' });
    expect(loggableError('thrown text', ctx)).toEqual({ name: 'unknown', message: 'thrown text' });
  });

  it('sees through the UnknownError Bolt wraps an error without a code in', () => {
    const original = new ConnectorError('auth_invalid', 'Slack users.info answered invalid_auth');
    const wrapped = Object.assign(new Error(original.message), { code: 'slack_bolt_unknown_error', original });
    expect(loggableError(wrapped, ctx)).toMatchObject({ name: 'ConnectorError', code: 'auth_invalid' });
  });

  it('cuts out the integration\'s secrets, any Slack token, bearer values and response_url paths', () => {
    const message = [
      `proxy said: invalid_auth for ${BOT_TOKEN}`,
      `secret ${SIGNING_SECRET}`,
      'other xoxp-1111-2222-USERTOKEN and xapp-1-A0-APPTOKEN',
      'Authorization: Bearer opaque.CANARY.value',
      'POST https://hooks.slack.com/commands/T0001/1234/CANARYcommandsecret answered 404',
      'POST /actions/T0001/5678/CANARYactionsecret answered 410',
    ].join('; ');
    const logged = loggableError(new ConnectorError('upstream_bad_response', message), ctx);

    expect(logged.message).not.toMatch(/CANARY|USERTOKEN|APPTOKEN/);
    expect(logged.message).toContain('proxy said: invalid_auth for [redacted]');
    expect(logged.message).toContain('Bearer [redacted]');
    expect(logged.message).toContain('POST https://hooks.slack.com/commands/[redacted] answered 404');
    expect(logged.message).toContain('POST /actions/[redacted] answered 410');
  });

  it('keeps a long message to a readable length, cut after its secrets are', () => {
    const logged = loggableError(new Error(`${'x'.repeat(495)} ${BOT_TOKEN}`), ctx);
    expect(logged.message.length).toBeLessThanOrEqual(500);
    expect(logged.message).not.toContain('xoxb-');
  });
});
