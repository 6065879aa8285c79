import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Interaction, VerifyResult, WebhookDefinition, WebhookEvent, WebhookRequest } from '../sdk/connector.types.ts';
import type { SlackConfig, SlackCredentials } from './config.ts';
import { interactWithBolt } from './bolt-app.ts';

// Everything Slack sends arrives at the integration's hook URL: slash commands and button presses
// (form-encoded, answered within 3 s), Events API callbacks (JSON), and handshakes.

function form(request: WebhookRequest): URLSearchParams | undefined {
  // Media types are case-insensitive (RFC 9110 §8.3.1).
  return (request.headers['content-type'] ?? '').toLowerCase().includes('application/x-www-form-urlencoded') ? new URLSearchParams(request.rawBody.toString('utf8')) : undefined;
}

/**
 * The JSON object of a body that is not a form, whatever its Content-Type says (a proxy on the way
 * may have changed it, and the signature already proves the bytes are Slack's); undefined for a
 * form, or a body that is not a JSON object.
 */
function json(request: WebhookRequest): Record<string, unknown> | undefined {
  if (form(request)) return undefined;
  try {
    const parsed: unknown = JSON.parse(request.rawBody.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function verifySlack(request: WebhookRequest, credentials: SlackCredentials, now: Date): VerifyResult {
  const signature = request.headers['x-slack-signature'];
  const timestamp = Number(request.headers['x-slack-request-timestamp']);
  if (!signature || !Number.isFinite(timestamp)) return { ok: false, reason: 'X-Slack-Signature or X-Slack-Request-Timestamp is missing' };
  if (Math.abs(now.getTime() / 1000 - timestamp) > 5 * 60) return { ok: false, reason: 'the request timestamp is more than 5 minutes away from now' };
  // Over the bytes as they came (fact sheet: "v0:" + timestamp + ":" + rawBody), not a decoding of
  // them: Bolt's check takes the body as a string, and bytes that are not UTF-8 would not survive it.
  const expected = Buffer.from(`v0=${createHmac('sha256', credentials.signingSecret).update(`v0:${request.headers['x-slack-request-timestamp']}:`).update(request.rawBody).digest('hex')}`);
  const given = Buffer.from(signature);
  const valid = given.length === expected.length && timingSafeEqual(given, expected);
  return valid ? { ok: true } : { ok: false, reason: 'the v0 signature does not match the signing secret' };
}

/** The fields worth recording of a command or button press: never response_url or tokens. */
function recorded(fields: Record<string, unknown>): Record<string, unknown> {
  const keep = ['command', 'text', 'user_id', 'user_name', 'team_id', 'channel_id', 'type', 'actions'];
  return Object.fromEntries(Object.entries(fields).filter(([key]) => keep.includes(key)));
}

export const slackWebhook: WebhookDefinition<SlackConfig, SlackCredentials> = {
  handshake(request) {
    // Slack checks the certificate with an unsigned ssl_check=1 POST: answer, do nothing else.
    return form(request)?.get('ssl_check') === '1' ? { status: 200 } : undefined;
  },

  verify: (request, { credentials, now }) => verifySlack(request, credentials, now),
  secretFields: ['signingSecret'],

  respond(request) {
    const body = json(request);
    if (body?.['type'] !== 'url_verification') return undefined;
    return { status: 200, headers: { 'content-type': 'text/plain' }, body: String(body['challenge'] ?? '') };
  },

  interaction(request): Interaction | undefined {
    const fields = form(request);
    if (!fields) return undefined;
    // The body carries a fresh trigger_id per invocation, so its hash identifies this very request.
    const dedupeKey = createHash('sha256').update(request.rawBody).digest('hex');
    if (fields.has('command')) {
      return { dedupeKey, type: 'slack.command', payload: recorded(Object.fromEntries(fields)) };
    }
    const payload = fields.get('payload');
    if (payload) {
      // Throws on a payload that is not a JSON object: the hub answers 400 invalid_payload.
      const parsed: unknown = JSON.parse(payload);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the interaction payload is not a JSON object');
      const record = parsed as Record<string, unknown>;
      const user = record['user'] as Record<string, unknown> | undefined;
      return { dedupeKey, type: `slack.${String(record['type'] ?? 'interaction')}`, payload: recorded({ ...record, user_id: user?.['id'], team_id: user?.['team_id'] }) };
    }
    return undefined;
  },

  interact: interactWithBolt,

  parse(request): WebhookEvent[] {
    const body = json(request);
    // Throws on a body that is neither a command, a button press nor a JSON object: the hub answers
    // 400 invalid_payload rather than a 202 that would tell Slack it was delivered.
    if (body === undefined) throw new Error('the body is neither a Slack form nor a JSON object');
    // Other callbacks (app_rate_limited, …) carry no event: taken, and nothing to store.
    if (body['type'] !== 'event_callback') return [];
    const event = (body['event'] ?? {}) as Record<string, unknown>;
    return [
      {
        ...(typeof body['event_id'] === 'string' ? { deliveryId: body['event_id'] } : {}),
        type: `slack.${String(event['type'] ?? 'event')}`,
        payload: event,
      },
    ];
  },
};
