import type { OAuthToken, TokenStore } from '../../connectors/sdk/credentials.ts';

/**
 * Where a trial of new credentials (a rotation's check) keeps the OAuth token it obtains: in memory,
 * apart from the stored tokens of the credentials in use. The rotation stores it with the new
 * credentials once they apply, since a provider that rotates refresh tokens has already revoked
 * the one the check spent.
 */
export interface TrialTokenStore extends TokenStore {
  obtained(): OAuthToken | undefined;
}

export function trialTokenStore(): TrialTokenStore {
  let token: OAuthToken | undefined;
  return {
    async load() {
      return token;
    },
    async save(obtained) {
      token = obtained;
    },
    obtained: () => token,
  };
}
