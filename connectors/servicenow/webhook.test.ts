import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import type { WebhookRequest } from '../sdk/connector.types.ts';
import { ConnectorError } from '../sdk/failure.ts';
import type { ServiceNowCredentials } from './config.ts';
import { servicenow } from './connector.ts';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const credentials: ServiceNowCredentials = { auth: { type: 'basic', username: 'svc', password: 'pw' }, webhookSecret: secret };
const config = servicenow.config.parse({ instanceUrl: 'https://acme.service-now.com' });
const body = JSON.stringify({ table: 'incident', action: 'update', record: { sys_id: '9d385017c611228701d22104cc95c371', number: 'INC0010023', state: '2' } });

function signed(options: { body?: string; id?: string; at?: Date; key?: string } = {}): WebhookRequest {
  const at = options.at ?? new Date();
  const id = options.id ?? 'msg_2bQ4ZB1x';
  const payload = options.body ?? body;
  return {
    rawBody: Buffer.from(payload),
    headers: {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(options.key ?? secret).sign(id, at, payload),
      'content-type': 'application/json',
    },
    query: {},
  };
}

const verify = (request: WebhookRequest, now = new Date(), creds: ServiceNowCredentials = credentials) => servicenow.webhook!.verify(request, { config, credentials: creds, now });

describe('ServiceNow webhook verification (Standard Webhooks)', () => {
  it('accepts a correctly signed delivery', () => {
    expect(verify(signed())).toEqual({ ok: true });
  });

  it('accepts the signature the README Business Rule computes (HMAC over id.timestamp.body with the decoded secret)', () => {
    const request = signed();
    const { 'webhook-id': id, 'webhook-timestamp': timestamp } = request.headers;
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
    // Key rotation: several space-separated signatures, any v1 match counts.
    request.headers['webhook-signature'] = `v1,${Buffer.alloc(32).toString('base64')} v1,${mac}`;
    expect(verify(request)).toEqual({ ok: true });
  });

  it('rejects a tampered body', () => {
    const request = signed();
    request.rawBody = Buffer.from(body.replace('"state":"2"', '"state":"7"'));
    expect(verify(request)).toEqual({ ok: false, reason: 'no v1 signature matches the webhook secret' });
  });

  it('rejects a signature made with another secret', () => {
    expect(verify(signed({ key: `whsec_${randomBytes(32).toString('base64')}` }))).toMatchObject({ ok: false });
  });

  it('rejects timestamps more than 5 minutes old or ahead', () => {
    const now = new Date();
    expect(verify(signed({ at: new Date(now.getTime() - 6 * 60_000) }), now)).toMatchObject({ ok: false, reason: expect.stringContaining('5 minutes') });
    expect(verify(signed({ at: new Date(now.getTime() + 6 * 60_000) }), now)).toMatchObject({ ok: false, reason: expect.stringContaining('5 minutes') });
    expect(verify(signed({ at: new Date(now.getTime() - 4 * 60_000) }), now)).toEqual({ ok: true });
  });

  it('rejects missing headers, a malformed timestamp and a missing secret without throwing', () => {
    for (const header of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const request = signed();
      delete request.headers[header];
      expect(verify(request)).toMatchObject({ ok: false, reason: expect.stringContaining('missing') });
    }
    const request = signed();
    request.headers['webhook-timestamp'] = 'yesterday';
    expect(verify(request)).toMatchObject({ ok: false });
    const garbled = signed();
    garbled.headers['webhook-signature'] = 'v1';
    expect(verify(garbled)).toMatchObject({ ok: false });
    expect(verify(signed(), new Date(), { auth: credentials.auth })).toEqual({ ok: false, reason: 'no webhookSecret is configured for this integration' });
  });
});

describe('ServiceNow webhook parsing', () => {
  it('turns {table, action, record} into one event keyed by webhook-id', () => {
    expect(servicenow.webhook!.parse(signed({ id: 'msg_1' }))).toEqual([
      {
        deliveryId: 'msg_1',
        type: 'incident.update',
        externalId: '9d385017c611228701d22104cc95c371',
        payload: { sys_id: '9d385017c611228701d22104cc95c371', number: 'INC0010023', state: '2' },
      },
    ]);
  });

  it('parses inserts and deletes of other tables', () => {
    const insert = JSON.stringify({ table: 'change_request', action: 'insert', record: { sys_id: 'abc' } });
    expect(servicenow.webhook!.parse(signed({ body: insert }))[0]).toMatchObject({ type: 'change_request.insert', externalId: 'abc' });
  });

  it('fails with upstream_bad_response on a body of another shape', () => {
    for (const bad of ['not json', JSON.stringify({ table: 'incident', action: 'merge', record: { sys_id: 'a' } }), JSON.stringify({ table: 'incident', action: 'update', record: {} })]) {
      const error = (() => {
        try {
          servicenow.webhook!.parse(signed({ body: bad }));
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ConnectorError);
      expect((error as ConnectorError).code).toBe('upstream_bad_response');
    }
  });

  it('refuses a body that is not UTF-8 rather than store its text changed, and keeps refusing a BOM', () => {
    const json = JSON.stringify({ table: 'incident', action: 'update', record: { sys_id: '9d385017c611228701d22104cc95c371', short_description: 'Zugriff verweigert, Prüfung' } });
    // The same text in windows-1252 (ü is the single byte 0xFC), signed over those bytes.
    const latin1 = Buffer.from(json, 'latin1');
    const request = { ...signed({ body: json }), rawBody: latin1 };
    for (const bytes of [latin1, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)])]) {
      expect(() => servicenow.webhook!.parse({ ...request, rawBody: bytes })).toThrow(expect.objectContaining({ code: 'upstream_bad_response', message: 'ServiceNow webhook body is not UTF-8 JSON' }));
    }
    expect(servicenow.webhook!.parse({ ...request, rawBody: Buffer.from(json) })[0]!.payload).toMatchObject({ short_description: 'Zugriff verweigert, Prüfung' });
  });
});
