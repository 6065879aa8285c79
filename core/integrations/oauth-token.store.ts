import { AsyncLocalStorage } from 'node:async_hooks';
import type { OAuthToken, TokenStore } from '../../connectors/sdk/credentials.ts';
import type { HubContext } from '../server/hub-context.ts';
import { seal, unseal, type Sealed, type SecretBinding } from '../vault/secret-box.ts';
import type { MasterKeySet } from '../vault/master-keys.ts';
import { sameCredentials, type SealedCredentials } from './integration-credentials.ts';
import { withClusterLock, type LockedDb } from '../locks/cluster-lock.ts';
import { expiryChanged, expiryColumns, type ExpiryBefore } from '../vault/credential-expiry.ts';

/** Refresh-token ends of life closer than this are one date told twice (see save()). */
const SAME_END_OF_LIFE_MS = 60_000;

// A refresh loads and saves the token under the integration's cluster lock, and must do so on the
// lock's own connection (see withClusterLock). The SDK's refresh calls load() and save() without a
// connection to pass, so the lock's connection travels with the refresh's async context: callers
// outside the refresh (and other integrations' refreshes) keep using the pool.
// Follow-up work that needs the pool (settling tasks, alerts) waits in `after` until the lock is
// released and what was saved under it committed.
const refreshing = new AsyncLocalStorage<{ integrationId: string; db: LockedDb; after: Array<() => Promise<void>> }>();

export interface TokenStoreOptions {
  /**
   * For the refresh_token grant the refresh token is what keeps the integration authorised, so its
   * expiry becomes the credential's expiry (and drives reminders).
   */
  refreshTokenIsTheCredential?: boolean;
  /**
   * The sealed credentials the tokens are obtained with. A token is saved only while they still hold
   * the stored secret: a rotation or an edit that lands while a refresh is at the token endpoint
   * drops the tokens, and the one obtained with the old secret must not be saved after it. (A
   * master-key rotation re-encrypting the same secret meanwhile is no change.)
   */
  obtainedWith?: SealedCredentials;
}

/** A token sealed as the store keeps it (a pending rotation keeps the one its check obtained alike). */
export function sealOAuthToken(keys: MasterKeySet, token: OAuthToken, binding: SecretBinding): Sealed {
  return seal(keys, JSON.stringify({ ...token, expiresAt: token.expiresAt.toISOString(), refreshExpiresAt: token.refreshExpiresAt?.toISOString() }), binding);
}

export function openOAuthToken(keys: MasterKeySet, sealed: Sealed, binding: SecretBinding): OAuthToken {
  const stored = JSON.parse(unseal(keys, sealed, binding)) as { accessToken: string; refreshToken?: string; expiresAt: string; refreshExpiresAt?: string };
  const token: OAuthToken = { accessToken: stored.accessToken, expiresAt: new Date(stored.expiresAt) };
  if (stored.refreshToken) token.refreshToken = stored.refreshToken;
  if (stored.refreshExpiresAt) token.refreshExpiresAt = new Date(stored.refreshExpiresAt);
  return token;
}

/** The binding of an integration's stored OAuth token. */
export const oauthTokenBinding = (tenantId: string, integrationId: string): SecretBinding => ({ tenantId, owner: `integration:${integrationId}:oauth-token` });

/** OAuth tokens of one integration, sealed in its row so every process shares them. */
export function integrationTokenStore(hub: HubContext, tenantId: string, integrationId: string, options: TokenStoreOptions = {}): TokenStore {
  const { refreshTokenIsTheCredential = false, obtainedWith } = options;
  const binding = oauthTokenBinding(tenantId, integrationId);
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
      return openOAuthToken(hub.masterKeys, { ciphertext: row.oauth_token_ciphertext, keyVersion: row.oauth_token_key_version }, binding);
    },
    async exclusive(work) {
      const after: Array<() => Promise<void>> = [];
      const result = await withClusterLock(hub, `oauth-refresh:${integrationId}`, (locked) => refreshing.run({ integrationId, db: locked, after }, work));
      for (const settle of after) await settle();
      return result;
    },
    async save(token) {
      const sealed = sealOAuthToken(hub.masterKeys, token, binding);
      let expiresAt = refreshTokenIsTheCredential ? token.refreshExpiresAt : undefined;
      let before: ExpiryBefore | undefined;
      if (expiresAt) {
        const row = await db()
          .selectFrom('integration_configs')
          .select(['credentials_expires_at', 'credentials_expiry_step'])
          .where('id', '=', integrationId)
          .executeTakeFirst();
        if (row) before = { expiresAt: row.credentials_expires_at, step: row.credentials_expiry_step };
        // A refresh token with a fixed end of life is told as seconds left, counted from whenever the
        // answer left the provider: the same end comes out a little different at each refresh. Kept
        // as stored, it does not start the reminders over (each step would be raised again).
        if (before?.expiresAt && Math.abs(before.expiresAt.getTime() - expiresAt.getTime()) < SAME_END_OF_LIFE_MS) expiresAt = undefined;
      }
      const write = async (storedCiphertext: string | null | undefined) => {
        let update = db()
          .updateTable('integration_configs')
          .set({
            oauth_token_ciphertext: sealed.ciphertext,
            oauth_token_key_version: sealed.keyVersion,
            // A refresh that extends the refresh token's life moves the credential's expiry: the
            // reminders start over for the new date.
            ...(expiresAt ? expiryColumns(expiresAt) : {}),
          })
          .where('id', '=', integrationId);
        if (storedCiphertext !== undefined) update = update.where('credentials_ciphertext', 'is not distinct from', storedCiphertext);
        return (await update.executeTakeFirst()).numUpdatedRows > 0n;
      };
      let saved = await write(obtainedWith?.credentials_ciphertext);
      // The ciphertext changed: a new secret, or the same one re-encrypted by `hub keys rotate`. The
      // latter must not cost the token (a provider that rotates refresh tokens has revoked the old one).
      for (let attempt = 0; !saved && obtainedWith && attempt < 3; attempt += 1) {
        const current = await db()
          .selectFrom('integration_configs')
          .select(['tenant_id', 'id', 'credentials_ciphertext', 'credentials_key_version'])
          .where('id', '=', integrationId)
          .executeTakeFirst();
        if (!current || !sameCredentials(hub, obtainedWith, current)) break;
        saved = await write(current.credentials_ciphertext);
      }
      if (!saved) {
        // The caller may still use the token for the call at hand; it is not kept past the change.
        hub.logger.info({ integrationId }, 'OAuth token not saved: the credentials were replaced while it was being obtained');
        return;
      }
      if (!expiresAt || !before) return;
      const settle = async () => {
        try {
          await expiryChanged(hub, integrationId, before, expiresAt);
        } catch (error) {
          // The token is saved; a reminder left open is only stale, and the refresh must not fail for it.
          hub.logger.warn({ err: error, integrationId }, 'could not settle the expiry reminder after an OAuth refresh');
        }
      };
      const locked = refreshing.getStore();
      if (locked?.integrationId === integrationId) locked.after.push(settle);
      else await settle();
    },
  };
}
