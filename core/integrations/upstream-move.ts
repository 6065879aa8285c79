import type { AnyConnector } from '../../connectors/sdk/define-connector.ts';
import { ValidationError } from '../http/api-error.ts';

// Credentials are write-only: nobody reads them back, not even an admin. A config change that
// points the integration at another host (ServiceNow's instanceUrl, Slack's API URL) would send the
// stored secret there on the next check or poll, so it must come with credentials for that host:
// whoever moves the integration proves they hold them, and four eyes apply where they are required.

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

/**
 * Refuses a change of `config` that moves where the stored credentials go, unless the same change
 * gives new ones (400 on `credentials`, naming both hosts). Nothing is refused for an integration
 * without stored credentials.
 */
export function refuseUpstreamMoveWithoutCredentials(connector: AnyConnector, before: unknown, after: unknown | undefined, credentialsGiven: boolean, credentialsStored: boolean): void {
  if (after === undefined || credentialsGiven || !credentialsStored) return;
  const from = upstreamOrigins(connector, before);
  const to = upstreamOrigins(connector, after);
  const moved = to.find((origin, index) => origin !== from[index]);
  if (moved === undefined) return;
  const message = `this change sends the stored credentials to another host (${moved} instead of ${from[to.indexOf(moved)] ?? 'the one they were given for'}); give the credentials for it in the same change`;
  throw new ValidationError(`invalid body: body.credentials ${message}`, [{ path: 'body.credentials', message }]);
}
