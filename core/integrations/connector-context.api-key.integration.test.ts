// README "Adding a connector": an `api_key` credential under credentials.auth, its header declared
// in the connector's `auth` kinds ({ type: 'api_key', header }), "and the SDK applies it to every
// request": the key goes in the header declared, and no Authorization header goes with it.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectors } from '../../connectors/registry.ts';
import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import { RUNTIME_MODES } from '../../test-support/runtime-modes.ts';
import { startTestHub, type TestHub, type TestTenant } from '../../test-support/test-hub.ts';
import { apiKeyConnector } from '../../test-support/api-key-connector.ts';

const KEY = 'tiny-key-0123456789abcdef';

describe.each(RUNTIME_MODES)('an API key connector, on $name', ({ options }) => {
  let test: TestHub;
  let tenant: TestTenant;
  let upstream: Server;
  let upstreamUrl = '';
  const seen: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    upstream = createServer((request, response) => {
      seen.push(request.headers);
      // The upstream's documented contract: the key in x-api-key, nothing else.
      if (request.headers['x-api-key'] !== KEY) {
        response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"missing x-api-key"}');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"account":"acme"}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    test = await startTestHub({ label: 'api-key-header', ...options, connectors: [...connectors, apiKeyConnector as unknown as AnyConnector] });
    tenant = await test.createTenant('acme');
  });
  afterAll(async () => {
    await test?.close();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  it('sends the api_key credential in the header its auth kind declares', async () => {
    const created = await test.request('post', '/api/integrations', {
      token: tenant.tokens.admin,
      body: { connector: 'apikeykit', name: 'Tiny', environment: 'production', config: { baseUrl: upstreamUrl }, credentials: { auth: { type: 'api_key', key: KEY } }, schedules: {} },
    });
    expect(created.status).toBe(201);
    const integration = await created.json();

    const checked = await test.request('post', `/api/integrations/${integration.id}/check`, { token: tenant.tokens.admin });
    const answer = await checked.json();
    const last = seen.at(-1) ?? {};
    expect({ xApiKey: last['x-api-key'], authorization: last['authorization'] }).toEqual({ xApiKey: KEY, authorization: undefined });
    expect(answer).toMatchObject({ ok: true, detail: 'signed in as acme' });
  });
});
