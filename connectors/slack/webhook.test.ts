import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signSlackRequest, slashCommandBody } from '../../test-support/fake-slack/index.ts';
import { slackWebhook, verifySlack } from './webhook.ts';

// Slack's v0 request signature (fact sheet): HMAC-SHA256(signing_secret, "v0:" + timestamp + ":" +
// rawBody), hex, in X-Slack-Signature, with X-Slack-Request-Timestamp within 5 minutes of now.

const credentials = { botToken: 'xoxb-test', signingSecret: 's'.repeat(32) };
const now = new Date('2026-11-24T10:00:00Z');
const timestamp = String(now.getTime() / 1000);

function signed(rawBody: Buffer, options: { secret?: string; at?: string } = {}) {
  const at = options.at ?? timestamp;
  const hex = createHmac('sha256', options.secret ?? credentials.signingSecret).update(Buffer.concat([Buffer.from(`v0:${at}:`), rawBody])).digest('hex');
  return { rawBody, headers: { 'content-type': 'application/json', 'x-slack-signature': `v0=${hex}`, 'x-slack-request-timestamp': at }, query: {} };
}

describe('verifySlack', () => {
  it('accepts a body signed with the signing secret, over its raw bytes even when they are not UTF-8', () => {
    expect(verifySlack(signed(Buffer.from('token=x&text=status')), credentials, now)).toEqual({ ok: true });
    const notUtf8 = Buffer.concat([Buffer.from('{"type":"event_callback","text":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
    expect(verifySlack(signed(notUtf8), credentials, now)).toEqual({ ok: true });
  });

  it('refuses another secret, a changed body, a truncated signature and missing headers', () => {
    const body = Buffer.from('text=status');
    expect(verifySlack(signed(body, { secret: 'x'.repeat(32) }), credentials, now).ok).toBe(false);
    expect(verifySlack({ ...signed(body), rawBody: Buffer.from('text=resolve') }, credentials, now).ok).toBe(false);
    const request = signed(body);
    const truncated = { ...request, headers: { ...request.headers, 'x-slack-signature': request.headers['x-slack-signature'].slice(0, 20) } };
    expect(verifySlack(truncated, credentials, now)).toEqual({ ok: false, reason: 'the v0 signature does not match the signing secret' });
    expect(verifySlack({ ...request, headers: { 'content-type': 'application/json' } }, credentials, now)).toEqual({
      ok: false,
      reason: 'X-Slack-Signature or X-Slack-Request-Timestamp is missing',
    });
  });

  it('refuses a timestamp more than 5 minutes away, either way', () => {
    const body = Buffer.from('text=status');
    for (const offset of [-301, 301]) {
      expect(verifySlack(signed(body, { at: String(now.getTime() / 1000 + offset) }), credentials, now)).toEqual({
        ok: false,
        reason: 'the request timestamp is more than 5 minutes away from now',
      });
    }
    expect(verifySlack(signed(body, { at: String(now.getTime() / 1000 - 299) }), credentials, now)).toEqual({ ok: true });
  });
});

describe('slackWebhook.interaction', () => {
  it('reads a slash command whose Content-Type differs only in case (media types are case-insensitive)', () => {
    const body = slashCommandBody({ text: 'help', user_id: 'U0OPS', response_url: 'https://hooks.slack.com/commands/x' });
    const request = { rawBody: Buffer.from(body), headers: { 'content-type': 'Application/X-WWW-Form-Urlencoded', ...signSlackRequest('s'.repeat(32), body) }, query: {} };
    expect(slackWebhook.interaction!(request)?.type).toBe('slack.command');
  });
});
