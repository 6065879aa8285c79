import { previousCredentialsOwner } from '../integrations/previous-credentials.ts';

// Every place a sealed secret lives: master-key rotation, key coverage checks and `hub keys status`
// walk this list, so a new sealed column is one entry here. The owner string must match the one
// used when sealing (it is part of the associated data).

export interface SealedColumn {
  table: 'integration_configs' | 'credential_rotations' | 'tenants';
  ciphertext: string;
  version: string;
  /** Column holding the tenant id (the row id for tenants). */
  tenantColumn: 'tenant_id' | 'id';
  owner: (rowId: string) => string;
}

export const SEALED_COLUMNS: readonly SealedColumn[] = [
  {
    table: 'integration_configs',
    ciphertext: 'credentials_ciphertext',
    version: 'credentials_key_version',
    tenantColumn: 'tenant_id',
    owner: (id) => `integration:${id}:credentials`,
  },
  {
    table: 'integration_configs',
    ciphertext: 'oauth_token_ciphertext',
    version: 'oauth_token_key_version',
    tenantColumn: 'tenant_id',
    owner: (id) => `integration:${id}:oauth-token`,
  },
  {
    table: 'integration_configs',
    ciphertext: 'previous_credentials_ciphertext',
    version: 'previous_credentials_key_version',
    tenantColumn: 'tenant_id',
    owner: previousCredentialsOwner,
  },
  {
    table: 'credential_rotations',
    ciphertext: 'credentials_ciphertext',
    version: 'credentials_key_version',
    tenantColumn: 'tenant_id',
    owner: (id) => `rotation:${id}:credentials`,
  },
  {
    table: 'credential_rotations',
    ciphertext: 'oauth_token_ciphertext',
    version: 'oauth_token_key_version',
    tenantColumn: 'tenant_id',
    owner: (id) => `rotation:${id}:oauth-token`,
  },
  {
    table: 'tenants',
    ciphertext: 'fingerprint_key_ciphertext',
    version: 'fingerprint_key_version',
    tenantColumn: 'id',
    owner: () => 'tenant:fingerprint-key',
  },
];

export function columnLabel(column: SealedColumn): string {
  return `${column.table}.${column.ciphertext}`;
}
