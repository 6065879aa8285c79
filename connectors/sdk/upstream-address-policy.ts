import { addressKind, type AddressKind } from './address-kind.ts';

// Which addresses the hub connects to for an integration (HUB_UPSTREAM_ADDRESSES). Whoever may
// configure an integration must not be able to turn the hub into a probe of its own network: cloud
// instance metadata, the hub's own ports (the database, Redis), services on the host. A GRC team's
// on-prem systems often live on private ranges, so those are called by default; loopback only
// outside production, where tests and local trials run fake upstreams on 127.0.0.1.

export const UPSTREAM_ADDRESS_SETTINGS = ['public', 'private', 'any'] as const;
export type UpstreamAddresses = (typeof UPSTREAM_ADDRESS_SETTINGS)[number];

export interface UpstreamAddressPolicy {
  setting: UpstreamAddresses;
  /** Loopback is called under `private` only outside production. */
  production: boolean;
}

export function upstreamAddressPolicy(setting: UpstreamAddresses, nodeEnv: string | undefined): UpstreamAddressPolicy {
  return { setting, production: nodeEnv === 'production' };
}

/**
 * The policy of a client nobody gave one: the hub's default, read from NODE_ENV, so that forgetting
 * to pass the configured policy never opens loopback in production.
 */
export function defaultUpstreamAddressPolicy(): UpstreamAddressPolicy {
  return upstreamAddressPolicy('private', process.env['NODE_ENV']);
}

/** Never called under `public` or `private`. */
const ALWAYS_REFUSED: ReadonlySet<AddressKind> = new Set(['link-local', 'metadata', 'unspecified', 'multicast', 'reserved']);

const DESCRIPTION: Record<AddressKind, string> = {
  public: 'a public address',
  private: 'a private address',
  loopback: 'a loopback address',
  'link-local': 'a link-local address (where cloud instance metadata lives)',
  metadata: 'a cloud instance metadata address',
  unspecified: 'an unspecified address (it reaches the hub itself)',
  multicast: 'a multicast address',
  reserved: 'a reserved or broadcast address',
};

/**
 * Why the hub does not connect to `address` under `policy` (what the address is, and the setting
 * that refuses it), or undefined when it may. Host names are not addresses: resolve them first.
 */
export function refusedAddress(address: string, policy: UpstreamAddressPolicy): string | undefined {
  const kind = addressKind(address);
  if (kind === undefined || !refuses(kind, policy)) return undefined;
  const setting = `(HUB_UPSTREAM_ADDRESSES=${policy.setting})`;
  const when = kind === 'loopback' && policy.setting === 'private' ? ' in production' : '';
  return `${DESCRIPTION[kind]}, which the hub does not call${when} ${setting}`;
}

/** Always refused whatever the setting but `any`: a URL naming one by IP is refused when it is entered. */
export function alwaysRefusedAddress(address: string): string | undefined {
  const kind = addressKind(address);
  return kind !== undefined && ALWAYS_REFUSED.has(kind) ? DESCRIPTION[kind] : undefined;
}

function refuses(kind: AddressKind, policy: UpstreamAddressPolicy): boolean {
  switch (policy.setting) {
    case 'any':
      return false;
    case 'public':
      return kind !== 'public';
    case 'private':
      return ALWAYS_REFUSED.has(kind) || (kind === 'loopback' && policy.production);
  }
}
