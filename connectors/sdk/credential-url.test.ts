import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { checkCredentialUrl } from './credential-url.ts';

const Url = z.string().superRefine((value, ctx) => void checkCredentialUrl(value, ctx, 'https://acme.service-now.com'));
const messages = (value: string): string[] => Url.safeParse(value).error?.issues.map((issue) => issue.message) ?? [];

describe('checkCredentialUrl: addresses the hub never calls', () => {
  it('refuses a URL naming a link-local, metadata, unspecified or multicast address, so the admin learns when saving', () => {
    expect(messages('https://169.254.169.254')).toEqual([
      'must not name 169.254.169.254: a link-local address (where cloud instance metadata lives), which the hub does not call',
    ]);
    expect(messages('https://[fe80::1]')).toHaveLength(1);
    expect(messages('https://[::ffff:169.254.169.254]')).toHaveLength(1);
    expect(messages('https://[fd00:ec2::254]')).toHaveLength(1);
    expect(messages('https://0.0.0.0')).toHaveLength(1);
    expect(messages('http://0.0.0.0:6379')).toHaveLength(2);
    expect(messages('https://224.0.0.1')).toHaveLength(1);
  });

  it('accepts on-prem private addresses and loopback (refused or not when connecting, by HUB_UPSTREAM_ADDRESSES)', () => {
    for (const url of ['https://10.0.0.1', 'https://172.16.4.2', 'https://192.168.1.10:8443', 'https://[fd12::1]', 'http://127.0.0.1:4799', 'http://[::1]:4799', 'https://jira.corp.example']) {
      expect(messages(url)).toEqual([]);
    }
  });
});
