import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import { ValidationError } from '../http/api-error.ts';
import type { Kysely } from 'kysely';
import type { Database, IntegrationConfigRow } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';
import { tenantSettings } from '../tenancy/tenant-settings.ts';
import { credentialsBeingReplaced } from './integration-credentials.ts';
import { NO_PREVIOUS_CREDENTIALS } from './previous-credentials.ts';

// Credentials are write-only: nobody reads them back, not even an admin. A config change that
// points the integration at another host (ServiceNow's instanceUrl, Slack's API URL) would send the
// stored secret there on the next check or poll, so it must come with credentials for that host:
// whoever moves the integration proves they hold them. Where new credentials need a second admin's
// approval, the move instead drops the stored ones, and the new host's come by an approved rotation.

/** The origins the connector sends credentials to under `config`: its API, and its OAuth token endpoint. */
function upstreamOrigins(connector: AnyConnector, config: unknown): string[] {
  const parsed = connector.config.safeParse(config);
  if (!parsed.success) return [];
  const urls = [connector.baseUrl(parsed.data), ...(connector.oauth2 ? [connector.oauth2.tokenUrl(parsed.data)] : [])];
  return urls.map((url) => {
    try {
      return new URL(url).origin;
    } catch {
      return url;
    }
  });
}

interface UpstreamMove {
  from: string;
  to: string;
}

/** Where a change of `config` moves the credentials to, if anywhere (`after` undefined: config unchanged). */
export function upstreamMove(connector: AnyConnector, before: unknown, after: unknown | undefined): UpstreamMove | undefined {
  if (after === undefined) return undefined;
  const from = upstreamOrigins(connector, before);
  const to = upstreamOrigins(connector, after);
  const index = to.findIndex((origin, position) => origin !== from[position]);
  return index === -1 ? undefined : { from: from[index] ?? 'the host they were given for', to: to[index]! };
}

/**
 * For a write that gives no credentials, under its lock on `current`: a `config` that moves the
 * stored credentials to another host is refused (400 on `credentials`), or where new credentials
 * need a second admin, clears them. Returns the credentials it clears (null: they could not be
 * opened), undefined when nothing moves.
 */
export async function credentialsClearedByMove(hub: HubContext, trx: Kysely<Database>, connector: AnyConnector, current: IntegrationConfigRow, config: unknown | undefined): Promise<unknown> {
  if (current.credentials_ciphertext === null) return undefined;
  const move = upstreamMove(connector, current.config, config);
  if (!move) return undefined;
  if (!(await tenantSettings({ db: trx }, current.tenant_id, { hold: true })).requireRotationApproval) throw moveNeedsCredentials(move);
  return credentialsBeingReplaced(hub, current) ?? null;
}

/** The 400 for a move that brings no credentials for the new host. */
function moveNeedsCredentials(move: UpstreamMove): ValidationError {
  const message = `this change sends the stored credentials to another host (${move.to} instead of ${move.from}); give the credentials for it in the same change`;
  return new ValidationError(`invalid body: body.credentials ${message}`, [{ path: 'body.credentials', message }]);
}

/** What a move clears where new credentials need approval: the secret and all that came with it. */
export const CLEARED_CREDENTIALS = {
  credentials_ciphertext: null,
  credentials_key_version: null,
  credentials_hint: null,
  credentials_expires_at: null,
  credentials_expiry_step: null,
  oauth_token_ciphertext: null,
  oauth_token_key_version: null,
  ...NO_PREVIOUS_CREDENTIALS,
} as const;
