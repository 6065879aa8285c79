import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export interface ServiceNowPush {
  table: string;
  action: 'insert' | 'update' | 'delete';
  record: Record<string, unknown>;
}

export interface SignedPush {
  headers: Record<string, string>;
  body: string;
}

/**
 * One Business Rule push, signed with Standard Webhooks as the script in
 * connectors/servicenow/README.md signs it. `id` defaults to a fresh delivery id (a sender that
 * retries sends its id again, so retries pass theirs); `at` is the signing time.
 */
export function signedServiceNowPush(secret: string, push: ServiceNowPush, options: { id?: string; at?: Date } = {}): SignedPush {
  const id = options.id ?? `msg_${randomBytes(8).toString('hex')}`;
  const at = options.at ?? new Date();
  const body = JSON.stringify(push);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, at, body),
    },
  };
}
