import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signingKey, standardWebhookSignatureMatches } from './standard-webhooks.ts';

// The reference library signs; ours must agree with it byte for byte.
function signed(secret: string, body: string, id = `msg_${randomBytes(4).toString('hex')}`) {
  const at = new Date();
  return { id, timestamp: String(Math.floor(at.getTime() / 1000)), signature: new Webhook(secret).sign(id, at, body), body: Buffer.from(body) };
}

describe('Standard Webhooks signatures', () => {
  it("accept the reference library's signatures for secrets and bodies of any length", () => {
    for (const secretLength of [1, 24, 32, 64, 65, 200]) {
      for (const bodyLength of [0, 1, 55, 64, 1000]) {
        const secret = `whsec_${randomBytes(secretLength).toString('base64')}`;
        const delivery = signed(secret, 'x'.repeat(bodyLength));
        expect(standardWebhookSignatureMatches(signingKey(secret), delivery, delivery.body)).toBe(true);
      }
    }
  });

  it('refuse another secret, a changed body, id or timestamp, and signatures of other versions', () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const key = signingKey(secret);
    const delivery = signed(secret, '{"a":1}');
    expect(standardWebhookSignatureMatches(signingKey(`whsec_${randomBytes(32).toString('base64')}`), delivery, delivery.body)).toBe(false);
    expect(standardWebhookSignatureMatches(key, delivery, Buffer.from('{"a":2}'))).toBe(false);
    expect(standardWebhookSignatureMatches(key, { ...delivery, id: 'msg_other' }, delivery.body)).toBe(false);
    expect(standardWebhookSignatureMatches(key, { ...delivery, timestamp: String(Number(delivery.timestamp) + 1) }, delivery.body)).toBe(false);
    expect(standardWebhookSignatureMatches(key, { ...delivery, signature: delivery.signature.replace('v1,', 'v2,') }, delivery.body)).toBe(false);
  });

  it('accept any one of several signatures (a secret being rotated)', () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const delivery = signed(secret, '{"a":1}');
    const rotated = { ...delivery, signature: `v1,${randomBytes(32).toString('base64')} ${delivery.signature}` };
    expect(standardWebhookSignatureMatches(signingKey(secret), rotated, delivery.body)).toBe(true);
  });
});

describe('the signing key cache', () => {
  it('keeps a key in use while thousands of other secrets come and go', () => {
    const busy = `whsec_${randomBytes(32).toString('base64')}`;
    const key = signingKey(busy);
    for (let i = 0; i < 12_000; i += 1) {
      signingKey(`whsec_${Buffer.from(`other secret ${i}`).toString('base64')}`);
      expect(signingKey(busy)).toBe(key);
    }
  });
});
