import { AsyncLocalStorage } from 'node:async_hooks';
import type { OAuthToken, TokenStore } from '../../connectors/sdk/credentials.ts';
import type { HubContext } from '../server/hub-context.ts';
import { seal, unseal } from '../vault/secret-box.ts';
import { withClusterLock, type LockedDb } from '../locks/cluster-lock.ts';

// A refresh loads and saves the token under the integration's cluster lock, and must do so on the
// lock's own connection (see withClusterLock). The SDK's refresh calls load() and save() without a
// connection to pass, so the lock's connection travels with the refresh's async context: callers
// outside the refresh (and other integrations' refreshes) keep using the pool.
const refreshing = new AsyncLocalStorage<{ integrationId: string; db: LockedDb }>();

/**
 * OAuth tokens of one integration, sealed in its row so every process shares them.
 * `refreshTokenIsTheCredential`: for the refresh_token grant the refresh token is what keeps the
 * integration authorised, so its expiry becomes the credential's expiry (and drives reminders).
 */
export function integrationTokenStore(hub: HubContext, tenantId: string, integrationId: string, refreshTokenIsTheCredential = false): TokenStore {
  const binding = { tenantId, owner: `integration:${integrationId}:oauth-token` };
  const db = (): LockedDb => {
    const locked = refreshing.getStore();
    return locked?.integrationId === integrationId ? locked.db : hub.db;
  };
  return {
    async load() {
      const row = await db()
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
      return withClusterLock(hub, `oauth-refresh:${integrationId}`, (locked) => refreshing.run({ integrationId, db: locked }, work));
    },
    async save(token) {
      const sealed = seal(
        hub.masterKeys,
        JSON.stringify({ ...token, expiresAt: token.expiresAt.toISOString(), refreshExpiresAt: token.refreshExpiresAt?.toISOString() }),
        binding,
      );
      await db()
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
