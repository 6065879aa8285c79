import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { guardedLookup, refuseLiteralAddress, UpstreamAddressRefused, type HostResolver } from './upstream-address-guard.ts';
import { upstreamAddressPolicy } from './upstream-address-policy.ts';

const DEVELOPMENT = upstreamAddressPolicy('private', 'development');
const resolving =
  (...addresses: string[]): HostResolver =>
  async () =>
    addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));

/** What a socket's lookup call gets back, in either of Node's callback shapes. */
function lookUp(resolve: HostResolver, all: boolean): Promise<{ error: Error | null; result: unknown }> {
  return new Promise((done) => {
    guardedLookup(DEVELOPMENT, resolve)('instance.example.com', { all }, (error: Error | null, address: unknown, family?: number) =>
      done({ error, result: all ? address : { address, family } }),
    );
  });
}

describe('guardedLookup', () => {
  it('answers allowed addresses in the shape the socket asked for', async () => {
    expect((await lookUp(resolving('192.168.1.10', 'fd12::1'), true)).result).toEqual([
      { address: '192.168.1.10', family: 4 },
      { address: 'fd12::1', family: 6 },
    ]);
    expect((await lookUp(resolving('192.168.1.10'), false)).result).toEqual({ address: '192.168.1.10', family: 4 });
  });

  it('fails with the refusal when any address is refused', async () => {
    const { error } = await lookUp(resolving('10.0.0.1', 'fe80::1'), false);
    expect(error).toBeInstanceOf(UpstreamAddressRefused);
    expect(error?.message).toMatch(/^instance\.example\.com resolves to fe80::1, a link-local address/);
  });

  it('passes a resolver failure on as it is (ENOTFOUND stays a network failure)', async () => {
    const failing: HostResolver = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    expect((await lookUp(failing, true)).error).toMatchObject({ code: 'ENOTFOUND' });
  });
});

describe('refuseLiteralAddress', () => {
  it('check IP literals, bracketed IPv6 included, and leave names to the lookup', () => {
    expect(() => refuseLiteralAddress('http://169.254.169.254/latest/meta-data/', DEVELOPMENT)).toThrow(/^169\.254\.169\.254 is a link-local address/);
    expect(() => refuseLiteralAddress('http://[::ffff:169.254.169.254]/', DEVELOPMENT)).toThrow(/^\[::ffff:a9fe:a9fe\] is a link-local address/);
    expect(() => refuseLiteralAddress('https://10.0.0.1/', DEVELOPMENT)).not.toThrow();
    expect(() => refuseLiteralAddress('https://metadata.example/', DEVELOPMENT)).not.toThrow();
  });

});
