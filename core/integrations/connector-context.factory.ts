import type { ConnectorContext } from '../../connectors/sdk/connector.types.ts';
import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import { createHttpClient } from '../../connectors/sdk/http-client.ts';
import { UpstreamAuth, type TokenStore } from '../../connectors/sdk/credentials.ts';
import { ConnectorError } from '../../connectors/sdk/failure.ts';
import { upstreamAddressPolicy } from '../../connectors/sdk/upstream-address-policy.ts';
import type { IntegrationConfigRow } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';
import { openCredentials } from './integration-credentials.ts';
import { integrationTokenStore } from './oauth-token.store.ts';

export interface ContextOverrides {
  /** Credentials to use instead of the stored ones (a rotation validating new secrets). */
  credentials?: unknown;
  /** With `credentials`: where the OAuth tokens obtained with them go (trial-token.store.ts). */
  tokenStore?: TokenStore;
  signal?: AbortSignal;
}

/**
 * The stored credentials; a connector that needs some, of an integration that has none (made
 * without them, or cleared by a move to another host), fails saying so rather than naming the first
 * field its schema misses.
 */
function storedCredentials(hub: HubContext, connector: AnyConnector, row: IntegrationConfigRow): unknown {
  const stored = openCredentials(hub, row);
  if (stored !== undefined || connector.credentials.safeParse({}).success) return stored ?? {};
  throw new ConnectorError(
    'config_invalid',
    `the integration has no credentials: add them with PATCH /api/integrations/${row.id} (credentials) or a rotation (POST /api/integrations/${row.id}/credentials/rotate)`,
  );
}

/** Builds what a connector may use for one integration: parsed config, credentials, HTTP, logger. */
export function connectorContext(
  hub: HubContext,
  connector: AnyConnector,
  row: IntegrationConfigRow,
  overrides: ContextOverrides = {},
): ConnectorContext {
  const config = connector.config.parse(row.config);
  const credentials = connector.credentials.parse(overrides.credentials ?? storedCredentials(hub, connector, row));
  const logger = hub.logger.child({ integrationId: row.id, connector: connector.id });
  const auth = UpstreamAuth.safeParse((credentials as { auth?: unknown } | undefined)?.auth);
  const signal = overrides.signal ?? new AbortController().signal;
  // An API key goes in the header the connector declares for it (`x-api-key`), not as a bearer token.
  const apiKeyHeader = auth.success && auth.data.type === 'api_key' ? connector.auth.find((kind) => kind.type === 'api_key')?.header : undefined;
  const http = createHttpClient(
    {
      baseUrl: connector.baseUrl(config),
      ...(auth.success ? { auth: auth.data } : {}),
      ...(apiKeyHeader === undefined ? {} : { apiKeyHeader }),
      ...(connector.oauth2
        ? {
            oauth2: {
              tokenUrl: connector.oauth2.tokenUrl(config),
              authorizationMethod: connector.oauth2.authorizationMethod,
              ...(connector.oauth2.bodyFormat ? { bodyFormat: connector.oauth2.bodyFormat } : {}),
            },
          }
        : {}),
      // A rotation check must not overwrite the tokens of the credentials in use.
      ...(overrides.credentials === undefined
        ? {
            tokenStore: integrationTokenStore(hub, row.tenant_id, row.id, {
              refreshTokenIsTheCredential: auth.success && auth.data.type === 'oauth2' && auth.data.grant === 'refresh_token',
              obtainedWith: row,
            }),
          }
        : overrides.tokenStore
          ? { tokenStore: overrides.tokenStore }
          : {}),
      breakerKey: row.id,
      upstreamAddresses: upstreamAddressPolicy(hub.config.HUB_UPSTREAM_ADDRESSES, hub.config.NODE_ENV),
      logger,
      signal,
      clock: hub.clock,
    },
    hub.breakers,
  );
  return {
    integrationId: row.id,
    tenantId: row.tenant_id,
    environment: row.environment,
    config,
    credentials,
    http,
    logger,
    clock: hub.clock,
    signal,
  };
}
