import { promises as dns, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { refusedAddress, type UpstreamAddressPolicy } from './upstream-address-policy.ts';

// Applies the upstream address policy where connections are made. A host name is checked on the
// addresses it resolves to at connect time, each of them, and the connection goes to those same
// addresses (no second lookup a rebinding DNS server could answer differently). Node connects to an
// IP literal without a lookup, so literals are checked on their own: before the first request and
// on every redirect.

/** Resolves a host name to every address the hub could connect to (dns.lookup, or a test's map). */
export type HostResolver = (hostname: string, options: LookupOptions) => Promise<LookupAddress[]>;

export const systemResolver: HostResolver = (hostname, options) => dns.lookup(hostname, { ...options, all: true });

/** A connection the policy refused; got wraps it as the `cause` of its RequestError. */
export class UpstreamAddressRefused extends Error {
  override name = 'UpstreamAddressRefused';
  readonly code = 'ERR_UPSTREAM_ADDRESS_REFUSED';
  /** The host as the URL names it. */
  readonly host: string;

  constructor(host: string, explanation: string) {
    super(explanation);
    this.host = host;
  }
}

/** Throws UpstreamAddressRefused when the URL names a refused IP address literally. */
export function refuseLiteralAddress(url: URL | string, policy: UpstreamAddressPolicy): void {
  const host = new URL(url).hostname;
  const address = host.replace(/^\[(.*)\]$/, '$1');
  if (isIP(address) === 0) return;
  const refused = refusedAddress(address, policy);
  if (refused !== undefined) throw new UpstreamAddressRefused(host, `${host} is ${refused}`);
}

/** The refusal for `hostname` when any address it resolves to is refused. */
function refusalOf(hostname: string, addresses: readonly LookupAddress[], policy: UpstreamAddressPolicy): UpstreamAddressRefused | undefined {
  for (const { address } of addresses) {
    const refused = refusedAddress(address, policy);
    if (refused !== undefined) return new UpstreamAddressRefused(hostname, `${hostname} resolves to ${address}, ${refused}`);
  }
  return undefined;
}

/** A `lookup` for Node's sockets (got's dnsLookup) that fails on a refused address. */
export function guardedLookup(policy: UpstreamAddressPolicy, resolve: HostResolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    const { all, ...rest } = options as LookupOptions;
    resolve(hostname, rest).then(
      (addresses) => {
        const refusal = refusalOf(hostname, addresses, policy);
        const [first] = addresses;
        if (refusal !== undefined) callback(refusal, '', 0);
        else if (first === undefined) callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
        else if (all === true) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

/** The refusal behind an error of got (its cause) or of the guard itself. */
export function refusalIn(error: unknown): UpstreamAddressRefused | undefined {
  if (error instanceof UpstreamAddressRefused) return error;
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause instanceof UpstreamAddressRefused ? cause : undefined;
}
