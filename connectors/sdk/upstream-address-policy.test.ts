import { describe, expect, it } from 'vitest';
import { refusedAddress, upstreamAddressPolicy } from './upstream-address-policy.ts';

const allowed = (setting: 'public' | 'private' | 'any', nodeEnv: string, address: string): boolean =>
  refusedAddress(address, upstreamAddressPolicy(setting, nodeEnv)) === undefined;

describe('upstream address policy', () => {
  it('private (the default) calls public and private ranges, on-prem systems included', () => {
    for (const address of ['8.8.8.8', '10.0.0.1', '172.16.5.4', '192.168.1.10', 'fd12::1', '100.64.0.1']) {
      expect(allowed('private', 'production', address)).toBe(true);
    }
  });

  it('private calls loopback outside production only', () => {
    for (const nodeEnv of ['development', 'test']) {
      expect(allowed('private', nodeEnv, '127.0.0.1')).toBe(true);
      expect(allowed('private', nodeEnv, '::1')).toBe(true);
    }
    expect(allowed('private', 'production', '127.0.0.1')).toBe(false);
    expect(allowed('private', 'production', '::ffff:127.0.0.1')).toBe(false);
  });

  it('private never calls link-local, metadata, unspecified, multicast or reserved addresses, in any NODE_ENV', () => {
    const refused = ['169.254.169.254', 'fe80::1', 'fd00:ec2::254', '100.100.100.200', '0.0.0.0', '::', '224.0.0.1', 'ff02::1', '255.255.255.255', '::ffff:169.254.169.254', '64:ff9b::a9fe:a9fe', '2002:a9fe:a9fe::'];
    for (const nodeEnv of ['development', 'test', 'production']) {
      for (const address of refused) expect(allowed('private', nodeEnv, address)).toBe(false);
    }
  });

  it('public calls public addresses only, loopback refused in every NODE_ENV', () => {
    expect(allowed('public', 'test', '8.8.8.8')).toBe(true);
    expect(allowed('public', 'test', '2606:4700::1111')).toBe(true);
    for (const address of ['10.0.0.1', '192.168.1.1', 'fd12::1', '127.0.0.1', '::1', '169.254.169.254']) {
      expect(allowed('public', 'test', address)).toBe(false);
    }
  });

  it('any calls every address (a lab)', () => {
    for (const address of ['169.254.169.254', '127.0.0.1', '0.0.0.0', 'fd00:ec2::254']) {
      expect(allowed('any', 'production', address)).toBe(true);
    }
  });

  it('says what a refused address is and which setting refused it', () => {
    expect(refusedAddress('169.254.169.254', upstreamAddressPolicy('private', 'test'))).toBe(
      'a link-local address (where cloud instance metadata lives), which the hub does not call (HUB_UPSTREAM_ADDRESSES=private)',
    );
    expect(refusedAddress('127.0.0.1', upstreamAddressPolicy('private', 'production'))).toBe(
      'a loopback address, which the hub does not call in production (HUB_UPSTREAM_ADDRESSES=private)',
    );
    expect(refusedAddress('10.1.2.3', upstreamAddressPolicy('public', 'production'))).toBe(
      'a private address, which the hub does not call (HUB_UPSTREAM_ADDRESSES=public)',
    );
  });
});
