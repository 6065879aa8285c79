import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ServiceNowConfig, ServiceNowCredentials } from './config.ts';

function errors(schema: z.ZodType, value: unknown): Record<string, string> {
  const result = schema.safeParse(value);
  if (result.success) return {};
  return Object.fromEntries(result.error.issues.map((issue) => [issue.path.join('.'), issue.message]));
}

const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

describe('ServiceNow config', () => {
  it('fills defaults', () => {
    expect(ServiceNowConfig.parse({ instanceUrl: 'https://acme.service-now.com' })).toEqual({
      instanceUrl: 'https://acme.service-now.com',
      pageSize: 100,
      displayValue: false,
    });
  });

  it('accepts a trailing slash, table overrides and an extra query', () => {
    const config = ServiceNowConfig.parse({ instanceUrl: 'https://acme.service-now.com/', tables: { incident: 'u_grc_incident' }, query: 'active=true^ORpriority=1', pageSize: 1000 });
    expect(config).toMatchObject({ tables: { incident: 'u_grc_incident' }, query: 'active=true^ORpriority=1', pageSize: 1000 });
  });

  it('requires https except for localhost (the local fake instance)', () => {
    expect(errors(ServiceNowConfig, { instanceUrl: 'http://acme.service-now.com' })).toEqual({
      instanceUrl: 'must start with https:// (plain http is accepted only for localhost)',
    });
    expect(errors(ServiceNowConfig, { instanceUrl: 'http://127.0.0.1:4000' })).toEqual({});
    expect(errors(ServiceNowConfig, { instanceUrl: 'http://localhost:4000' })).toEqual({});
  });

  it('explains bad instance URLs field by field', () => {
    expect(errors(ServiceNowConfig, {})).toEqual({ instanceUrl: 'instanceUrl is required, e.g. https://acme.service-now.com' });
    expect(errors(ServiceNowConfig, { instanceUrl: 'acme' })).toEqual({ instanceUrl: 'must be a URL such as https://acme.service-now.com' });
    expect(errors(ServiceNowConfig, { instanceUrl: 'https://acme.service-now.com/now/nav/ui/home' })).toEqual({
      instanceUrl: 'must be the instance root only, e.g. https://acme.service-now.com (no path)',
    });
    expect(errors(ServiceNowConfig, { instanceUrl: 'https://svc:pw@acme.service-now.com' })).toEqual({
      instanceUrl: 'must not hold a user name, password, query or fragment, e.g. https://acme.service-now.com',
    });
    expect(errors(ServiceNowConfig, { instanceUrl: 'http://acme.service-now.com' })).toEqual({ instanceUrl: 'must start with https:// (plain http is accepted only for localhost)' });
  });

  it('bounds pageSize and explains why', () => {
    const base = { instanceUrl: 'https://acme.service-now.com' };
    expect(errors(ServiceNowConfig, { ...base, pageSize: 0 })).toEqual({ pageSize: 'pageSize must be at least 1' });
    expect(errors(ServiceNowConfig, { ...base, pageSize: 5000 })).toEqual({ pageSize: 'pageSize must be at most 1000: larger pages strain the instance' });
    expect(errors(ServiceNowConfig, { ...base, pageSize: 10.5 })).toEqual({ pageSize: 'pageSize must be a whole number' });
  });

  it('rejects table names, queries and display values the cursor cannot work with', () => {
    const base = { instanceUrl: 'https://acme.service-now.com' };
    expect(errors(ServiceNowConfig, { ...base, tables: { incident: 'Incident; drop' } })).toEqual({
      'tables.incident': 'must be a ServiceNow table name such as incident or u_grc_issue (lower-case letters, digits, underscores)',
    });
    expect(errors(ServiceNowConfig, { ...base, tables: { problem: 'problem' } })['tables']).toBeDefined();
    expect(errors(ServiceNowConfig, { ...base, query: 'active=true^NQpriority=1' })).toEqual({ query: 'query must not use ^NQ: a new query would escape the incremental time window' });
    expect(errors(ServiceNowConfig, { ...base, query: 'active=true^ORDERBYDESCnumber' })).toEqual({
      query: 'query must not contain ORDERBY: the connector orders by sys_updated_on and sys_id to page safely',
    });
    expect(errors(ServiceNowConfig, { ...base, query: '  ' })).toEqual({ query: 'query, when given, must not be empty (leave it out instead)' });
    expect(errors(ServiceNowConfig, { ...base, displayValue: true })).toEqual({
      displayValue: 'displayValue must be false: the sync cursor relies on raw UTC sys_updated_on values',
    });
  });
});

describe('ServiceNow credentials', () => {
  it('accepts basic and the three OAuth grants', () => {
    expect(errors(ServiceNowCredentials, { auth: { type: 'basic', username: 'svc', password: 'pw' }, webhookSecret: secret })).toEqual({});
    expect(errors(ServiceNowCredentials, { auth: { type: 'oauth2', grant: 'password', clientId: 'c', clientSecret: 's', username: 'u', password: 'p' } })).toEqual({});
    expect(errors(ServiceNowCredentials, { auth: { type: 'oauth2', grant: 'refresh_token', clientId: 'c', clientSecret: 's', refreshToken: 'r' } })).toEqual({});
    expect(errors(ServiceNowCredentials, { auth: { type: 'oauth2', grant: 'client_credentials', clientId: 'c', clientSecret: 's' } })).toEqual({});
  });

  it('refuses other auth types and incomplete grants', () => {
    expect(errors(ServiceNowCredentials, { auth: { type: 'bearer', token: 't' } })).toEqual({ 'auth.type': 'auth.type must be "basic" or "oauth2"' });
    expect(errors(ServiceNowCredentials, { auth: { type: 'oauth2', grant: 'password', clientId: 'c', clientSecret: 's' } })).toEqual({
      'auth.username': 'the password grant needs username and password of the integration user',
    });
    expect(errors(ServiceNowCredentials, { auth: { type: 'oauth2', grant: 'refresh_token', clientId: 'c', clientSecret: 's' } })).toEqual({
      'auth.refreshToken': 'the refresh_token grant needs a refreshToken',
    });
  });

  it('checks the webhook secret format', () => {
    const auth = { type: 'basic', username: 'svc', password: 'pw' };
    expect(errors(ServiceNowCredentials, { auth, webhookSecret: 'secret' })).toEqual({ webhookSecret: 'webhookSecret must start with whsec_' });
    expect(errors(ServiceNowCredentials, { auth, webhookSecret: `whsec_${Buffer.alloc(8).toString('base64')}` })).toEqual({
      webhookSecret: 'webhookSecret must be whsec_ followed by base64 of 24 to 64 random bytes',
    });
  });

  it('exports JSON Schema for the catalog', () => {
    expect(() => z.toJSONSchema(ServiceNowConfig, { io: 'input' })).not.toThrow();
  });
});
