import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { servicenow } from './connector.ts';

// Runs the Business Rule from README.md in a sandbox whose Glide objects behave as the fact sheet
// (§1 "Webhooks from ServiceNow") describes them: GlideCertificateEncryption().generateMac(
// base64(key), "HmacSHA256", data) → base64 HMAC; RESTMessageV2 setEndpoint / setHttpMethod /
// setRequestHeader / setRequestBody / executeAsync. What it would send must pass the connector's
// verify and parse, so the documented script and the hub cannot drift apart.

const readme = readFileSync(new URL('./README.md', import.meta.url), 'utf8');
const script = /```javascript\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';

describe('the Business Rule script in README.md', () => {
  it('produces a delivery the hub verifies and parses', () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const sent: { headers: Record<string, string>; body?: string; method?: string; async?: boolean } = { headers: {} };
    const fields: Record<string, string | null> = { sys_id: 'a'.repeat(32), number: 'INC0010001', short_description: 'Zugriff verweigert – Prüfung', sys_mod_count: '3', sys_updated_on: '2024-05-01 10:00:00', u_empty: null };
    const current = {
      operation: () => 'update',
      sys_mod_count: '3',
      getTableName: () => 'incident',
      getValue: (name: string) => fields[name] ?? null,
      getFields: () => {
        const names = Object.keys(fields);
        return { size: () => names.length, get: (i: number) => ({ getName: () => names[i] }) };
      },
    };
    const sandbox = {
      current,
      previous: null,
      gs: { getProperty: () => secret, error: () => undefined, generateGUID: () => randomUUID().replace(/-/g, '') },
      GlideDateTime: class { getNumericValue() { return Date.now(); } },
      GlideCertificateEncryption: class {
        generateMac(keyBase64: string, algorithm: string, data: string) {
          expect(algorithm).toBe('HmacSHA256');
          return createHmac('sha256', Buffer.from(keyBase64, 'base64')).update(data, 'utf8').digest('base64');
        }
      },
      sn_ws: {
        RESTMessageV2: class {
          setEndpoint() {}
          setHttpMethod(method: string) { sent.method = method; }
          setRequestHeader(name: string, value: string) { sent.headers[name.toLowerCase()] = value; }
          setRequestBody(body: string) { sent.body = body; }
          executeAsync() { sent.async = true; }
        },
      },
    };
    runInNewContext(script, sandbox);
    expect(sent.method).toBe('POST');
    const request = { rawBody: Buffer.from(sent.body ?? '', 'utf8'), headers: sent.headers, query: {} };
    const config = servicenow.config.parse({ instanceUrl: 'https://acme.service-now.com' });
    const credentials = { auth: { type: 'basic' as const, username: 'u', password: 'p' }, webhookSecret: secret };
    expect(servicenow.webhook!.verify(request, { config, credentials, now: new Date() })).toEqual({ ok: true });
    expect(servicenow.webhook!.parse(request)).toMatchObject([{ type: 'incident.update', externalId: 'a'.repeat(32) }]);
  });
});
