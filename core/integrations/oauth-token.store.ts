import type { OAuthToken, TokenStore } from '../../connectors/sdk/credentials.ts';
import type { HubContext } from '../server/hub-context.ts';
import { seal, unseal } from '../vault/secret-box.ts';
import { withClusterLock } from '../locks/cluster-lock.ts';

/** OAuth tokens of one integration, sealed in its row so every process shares them. */
/**
 * `refreshTokenIsTheCredential`: for the refresh_token grant the refresh token is what keeps the
 * integration authorised, so its expiry becomes the credential's expiry (and drives reminders).
 */
export function integrationTokenStore(hub: HubContext, tenantId: string, integrationId: string, refreshTokenIsTheCredential = false): TokenStore {
  const binding = { tenantId, owner: `integration:${integrationId}:oauth-token` };
  return {
    async load() {
      const row = await hub.db
        .selectFrom('integration_configs')
        .select(['oauth_token_ciphertext', 'oauth_token_key_version'])
        .where('id', '=', integrationId)
        .executeTakeFirst();
      if (!row?.oauth_token_ciphertext || row.oauth_token_key_version === null) return undefined;
      const stored = JSON.parse(
        unseal(hub.masterKeys, { ciphertext: row.oauth_token_ciphertext, keyVersion: row.oauth_token_key_version }, binding),
      ) as { accessToken: string; refreshToken?: string; expiresAt: string; refreshExpiresAt?: string };
      const token: OAuthToken = { accessToken: stored.accessToken, expiresAt: new Date(stored.expiresAt) };
      if (stored.refreshToken) token.refreshToken = stored.refreshToken;
      if (stored.refreshExpiresAt) token.refreshExpiresAt = new Date(stored.refreshExpiresAt);
      return token;
    },
    exclusive(work) {
      return withClusterLock(hub, `oauth-refresh:${integrationId}`, work);
    },
    async save(token) {
      const sealed = seal(
        hub.masterKeys,
        JSON.stringify({ ...token, expiresAt: token.expiresAt.toISOString(), refreshExpiresAt: token.refreshExpiresAt?.toISOString() }),
        binding,
      );
      await hub.db
        .updateTable('integration_configs')
        .set({
          oauth_token_ciphertext: sealed.ciphertext,
          oauth_token_key_version: sealed.keyVersion,
          ...(refreshTokenIsTheCredential && token.refreshExpiresAt ? { credentials_expires_at: token.refreshExpiresAt } : {}),
        })
        .where('id', '=', integrationId)
        .execute();
    },
  };
}
