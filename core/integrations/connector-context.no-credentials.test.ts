import { describe, expect, it } from 'vitest';
import { servicenow } from '../../connectors/servicenow/connector.ts';
import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import type { IntegrationConfigRow } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';
import { connectorContext } from './connector-context.factory.ts';

// The failure of a run or check of an integration without credentials is shown to operators (run
// error, check answer, task): it names the integration's own endpoints, ready to use.

describe('an integration without credentials', () => {
  it('fails naming the endpoints that add them, with its own id', () => {
    const id = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
    const row = {
      id, tenant_id: '0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d', connector: 'servicenow', environment: 'production',
      config: { instanceUrl: 'https://acme.service-now.com' }, credentials_ciphertext: null, credentials_key_version: null,
    } as unknown as IntegrationConfigRow;
    const build = () => connectorContext({} as HubContext, servicenow as unknown as AnyConnector, row);
    expect(build).toThrow(`PATCH /api/integrations/${id} (credentials)`);
    expect(build).toThrow(`POST /api/integrations/${id}/credentials/rotate`);
    expect(build).not.toThrow(':id');
  });
});
