import { signingKey, standardWebhookSignatureMatches } from '../sdk/standard-webhooks.ts';
import { z } from 'zod';
import type { VerifyResult, WebhookDefinition, WebhookEvent, WebhookRequest } from '../sdk/connector.types.ts';
import { ConnectorError } from '../sdk/failure.ts';
import { TableName, type ServiceNowConfig, type ServiceNowCredentials } from './config.ts';

// ServiceNow has no signed webhooks of its own; the Business Rule in README.md signs its POSTs
// the Standard Webhooks way, so the hub verifies them with the reference library.

const TOLERANCE_SECONDS = 5 * 60;

export function verifyServiceNowWebhook(request: WebhookRequest, context: { credentials: ServiceNowCredentials; now: Date }): VerifyResult {
  const secret = context.credentials.webhookSecret;
  if (secret === undefined) return { ok: false, reason: 'no webhookSecret is configured for this integration' };
  const id = request.headers['webhook-id'];
  const timestamp = request.headers['webhook-timestamp'];
  const signature = request.headers['webhook-signature'];
  if (!id || !timestamp || !signature) return { ok: false, reason: 'webhook-id, webhook-timestamp or webhook-signature header is missing' };
  // The library measures age against the process clock; checking against the context clock too
  // keeps the verdict consistent with the clock the rest of the run uses.
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'webhook-timestamp is not Unix seconds' };
  if (Math.abs(context.now.getTime() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) {
    return { ok: false, reason: 'webhook-timestamp is more than 5 minutes away from now (replayed, or clocks differ)' };
  }
  return standardWebhookSignatureMatches(signingKey(secret), { id, timestamp, signature }, request.rawBody)
    ? { ok: true }
    : { ok: false, reason: 'no v1 signature matches the webhook secret' };
}

export const ServiceNowWebhookBody = z.object({
  table: TableName,
  action: z.enum(['insert', 'update', 'delete']),
  record: z.looseObject({ sys_id: z.string().min(1, 'record.sys_id is required') }),
});
export type ServiceNowWebhookBody = z.infer<typeof ServiceNowWebhookBody>;

// Fatal: bytes that are not UTF-8 (an instance signing and sending another charset) are refused
// rather than read as U+FFFD and stored as a record that differs from the instance's. A BOM is kept,
// and refused by JSON.parse as before.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** One event per delivery; a signed body of the wrong shape means the Business Rule is out of date. */
export function parseServiceNowWebhook(request: WebhookRequest): WebhookEvent[] {
  let json: unknown;
  try {
    json = JSON.parse(UTF8.decode(request.rawBody));
  } catch {
    throw new ConnectorError('upstream_bad_response', 'ServiceNow webhook body is not UTF-8 JSON');
  }
  const parsed = ServiceNowWebhookBody.safeParse(json);
  if (!parsed.success) {
    throw new ConnectorError('upstream_bad_response', `ServiceNow webhook body is not {table, action, record}: ${z.prettifyError(parsed.error)}`);
  }
  const { table, action, record } = parsed.data;
  const deliveryId = request.headers['webhook-id'];
  return [{ ...(deliveryId ? { deliveryId } : {}), type: `${table}.${action}`, externalId: record.sys_id, payload: record }];
}

export const servicenowWebhook: WebhookDefinition<ServiceNowConfig, ServiceNowCredentials> = {
  secretFields: ['webhookSecret'],
  verify: (request, context) => verifyServiceNowWebhook(request, context),
  parse: parseServiceNowWebhook,
};
