import { describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import { describeConnector } from '../../core/connectors/connector.catalog.ts';
import { humanize, type JsonSchema } from './json-schema.ts';
import { renderSchemaFields, type SchemaFormState } from './schema-form.ts';
import { parseSchemaForm } from './schema-form.parse.ts';

const servicenow = describeConnector(connectors.find((c) => c.id === 'servicenow')!);

const sample: JsonSchema = {
  type: 'object',
  properties: {
    baseUrl: { type: 'string', description: 'Where the API lives.' },
    pageSize: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    ratio: { type: 'number' },
    verbose: { type: 'boolean', default: false },
    region: { type: 'string', enum: ['eu', 'us'], default: 'eu' },
    labels: { type: 'array', items: { type: 'string' } },
    nested: { type: 'object', description: 'Advanced settings.', properties: { depth: { type: 'integer' }, mode: { type: 'string', enum: ['a', 'b'] } } },
    locked: { type: 'boolean', const: false, default: false },
  },
  required: ['baseUrl'],
};

function state(overrides: Partial<SchemaFormState> = {}): SchemaFormState {
  return { errors: new Map(), writeOnly: false, rendered: new Map(), ...overrides };
}

function render(schema: JsonSchema, root: string, value: unknown, s = state()): string {
  return renderSchemaFields(schema, root, value, s).toString();
}

describe('JSON Schema form renderer', () => {
  it('labels every field, marks optional ones and links hints by aria-describedby', () => {
    const out = render(sample, 'config', {});
    expect(out).toContain('<label for="f-config-baseUrl">Base URL</label>');
    expect(out).toContain('<p class="hint" id="f-config-baseUrl-hint">Where the API lives.</p>');
    expect(out).toMatch(/<input id="f-config-baseUrl" name="config.baseUrl" type="text"[^>]* required aria-describedby="f-config-baseUrl-hint"/);
    expect(out).toContain('Page size <span class="optional">(optional)</span>');
  });

  it('renders numbers with limits and defaults, enums as selects, booleans as checkboxes', () => {
    const out = render(sample, 'config', {});
    expect(out).toMatch(/name="config.pageSize" type="number" inputmode="numeric" min="1" max="500" step="1" value="50"/);
    expect(out).toContain('Between 1 and 500. Default: 50.');
    expect(out).toMatch(/<select id="f-config-region" name="config.region"[^>]*><option value="">— not set —<\/option><option value="eu" selected>eu<\/option><option value="us">us<\/option><\/select>/);
    expect(out).toContain('<input type="hidden" name="config.verbose" value="false"><input type="checkbox" id="f-config-verbose" name="config.verbose" value="true"><label for="f-config-verbose">Verbose</label>');
    expect(out).toContain('<textarea id="f-config-labels" name="config.labels"');
    expect(out).toContain('<code>false</code> <span class="muted">(fixed)</span>');
    expect(out).not.toContain('name="config.locked"');
  });

  it('renders nested objects as fieldsets with a legend', () => {
    const out = render(sample, 'config', { nested: { depth: 3, mode: 'b' } });
    expect(out).toContain('<fieldset class="fieldset" id="f-config-nested"><legend>Nested <span class="optional">(optional)</span></legend><p class="hint" id="f-config-nested-hint">Advanced settings.</p>');
    expect(out).toMatch(/name="config.nested.depth"[^>]* value="3"/);
    expect(out).toContain('<option value="b" selected>b</option>');
  });

  it('fills in current values and escapes them', () => {
    const out = render(sample, 'config', { baseUrl: '"><script>alert(1)</script>', verbose: true });
    expect(out).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(out).not.toContain('<script>');
    expect(out).toContain('name="config.verbose" value="true" checked');
  });

  it('shows errors inline next to their field, marked aria-invalid, and records every field for the summary', () => {
    const s = state({ errors: new Map([['config.baseUrl', ['must be a URL']], ['config.nested.depth', ['expected a number']]]) });
    const out = render(sample, 'config', {}, s);
    expect(out).toContain('<p class="field-error" id="f-config-baseUrl-error"><span class="visually-hidden">Error: </span>must be a URL</p>');
    expect(out).toMatch(/name="config.baseUrl"[^>]*aria-describedby="f-config-baseUrl-hint f-config-baseUrl-error" aria-invalid="true"/);
    expect(out).toContain('<div class="field field--error">');
    expect(s.rendered.get('config.nested.depth')).toEqual({ id: 'f-config-nested-depth', label: 'Nested › Depth' });
  });

  it("renders the ServiceNow config schema from the connector catalog", () => {
    const out = render(servicenow.configSchema as JsonSchema, 'config', {});
    expect(out).toContain('Instance URL</label>');
    expect(out).toContain('name="config.tables.change_request"');
    expect(out).toContain('Change request <span class="optional">(optional)</span>');
    expect(out).toMatch(/name="config.pageSize"[^>]*value="100"/);
  });

  it('renders credentials write-only: a choice of auth kinds, password inputs, nothing filled in', () => {
    const s = state({ writeOnly: true });
    const out = render(servicenow.credentialsSchema as JsonSchema, 'credentials', { auth: { type: 'basic', username: 'svc', password: 'hunter2hunter2' } }, s);
    expect(out).toContain('<input type="radio" class="variant__radio" id="f-credentials-auth-type-basic" name="credentials.auth.type" value="basic" checked>');
    expect(out).toContain('for="f-credentials-auth-type-oauth2">OAuth 2.0</label>');
    expect(out).toMatch(/name="credentials.auth~basic.password" type="password" autocomplete="new-password"/);
    expect(out).toMatch(/name="credentials.auth~oauth2.clientSecret" type="password"/);
    expect(out).toMatch(/<select id="f-credentials-auth-oauth2-grant"/);
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('value="svc"');
  });

  it('shows errors only in the chosen variant', () => {
    const s = state({ writeOnly: true, errors: new Map([['credentials.auth.password', ['Too small']]]) });
    const out = render(servicenow.credentialsSchema as JsonSchema, 'credentials', { auth: { type: 'oauth2' } }, s);
    expect(out.match(/Too small/g)).toHaveLength(1);
    expect(out).toMatch(/id="f-credentials-auth-oauth2-password-error"/);
  });
});

describe('JSON Schema form parser', () => {
  it('reads typed values, leaving blank optional fields out', () => {
    const parsed = parseSchemaForm(sample, 'config', {
      'config.baseUrl': ' https://x.example ',
      'config.pageSize': '25',
      'config.ratio': '',
      'config.verbose': 'true',
      'config.region': 'us',
      'config.labels': 'a\n\n b \n',
      'config.nested.depth': '',
      'config.nested.mode': '',
    });
    expect(parsed.value).toEqual({ baseUrl: 'https://x.example', pageSize: 25, verbose: true, region: 'us', labels: ['a', 'b'] });
  });

  it('keeps unparseable numbers as typed so validation can name the field', () => {
    expect(parseSchemaForm(sample, 'config', { 'config.pageSize': 'ten' }).value).toEqual({ pageSize: 'ten' });
  });

  it('reads unticked checkboxes as false and nested objects only when filled', () => {
    const parsed = parseSchemaForm(sample, 'config', { 'config.verbose': 'false', 'config.nested.depth': '2' });
    expect(parsed.value).toEqual({ verbose: false, nested: { depth: 2 } });
  });

  it('leaves out an optional group whose fields are blank or at their defaults, as the renderer pre-fills them', () => {
    const digest: JsonSchema = {
      type: 'object',
      properties: {
        digest: {
          type: 'object',
          properties: { channel: { type: 'string' }, frequency: { type: 'string', enum: ['daily', 'weekly'], default: 'daily' }, hourUtc: { type: 'integer', default: 8 }, quiet: { type: 'boolean' } },
          required: ['channel'],
        },
      },
    };
    const untouched = { 'config.digest.channel': '', 'config.digest.frequency': 'daily', 'config.digest.hourUtc': '8', 'config.digest.quiet': 'false' };
    expect(parseSchemaForm(digest, 'config', untouched)).toEqual({ value: {}, filled: 0 });
    // Any value beyond the defaults turns the group on, so a missing channel is reported rather than dropped.
    expect(parseSchemaForm(digest, 'config', { ...untouched, 'config.digest.hourUtc': '9' }).value).toEqual({ digest: { frequency: 'daily', hourUtc: 9, quiet: false } });
    expect(parseSchemaForm(digest, 'config', { ...untouched, 'config.digest.channel': 'C0123ABC' }).value).toEqual({ digest: { channel: 'C0123ABC', frequency: 'daily', hourUtc: 8, quiet: false } });
  });

  it('reads only the chosen variant and keeps secrets exactly as typed', () => {
    const parsed = parseSchemaForm(servicenow.credentialsSchema as JsonSchema, 'credentials', {
      'credentials.auth.type': 'basic',
      'credentials.auth~basic.username': 'svc-grc',
      'credentials.auth~basic.password': ' pass with spaces ',
      'credentials.auth~oauth2.clientId': 'ignored',
      'credentials.auth~oauth2.grant': 'password',
      'credentials.webhookSecret': '',
    });
    expect(parsed.value).toEqual({ auth: { type: 'basic', username: 'svc-grc', password: ' pass with spaces ' } });
    expect(parsed.filled).toBe(2);
  });

  it('counts an untouched credentials form as empty', () => {
    const parsed = parseSchemaForm(servicenow.credentialsSchema as JsonSchema, 'credentials', {
      'credentials.auth.type': 'oauth2',
      'credentials.auth~oauth2.grant': '',
      'credentials.auth~basic.username': '',
    });
    expect(parsed).toEqual({ value: {}, filled: 0 });
  });

  it('round-trips what the renderer shows', () => {
    const value = { baseUrl: 'https://x.example', pageSize: 7, verbose: true, region: 'eu', nested: { depth: 1, mode: 'a' } };
    const out = render(sample, 'config', value);
    const form: Record<string, string> = {};
    for (const match of out.matchAll(/name="([^"]+)"(?: type="[^"]+")?[^>]*?value="([^"]*)"(?: checked)?/g)) form[match[1]!] = match[2]!;
    for (const match of out.matchAll(/<select id="[^"]+" name="([^"]+)"[^>]*>.*?<option value="([^"]*)" selected>/g)) form[match[1]!] = match[2]!;
    expect(parseSchemaForm(sample, 'config', form).value).toMatchObject(value);
  });
});

describe('labels', () => {
  it('turns property names into words', () => {
    expect(humanize('instanceUrl')).toBe('Instance URL');
    expect(humanize('change_request')).toBe('Change request');
    expect(humanize('clientId')).toBe('Client ID');
    expect(humanize('oauth2')).toBe('OAuth 2.0');
    expect(humanize('webhookSecret')).toBe('Webhook secret');
  });
});
