import { describe, expect, it } from 'vitest';
import { createBoltAppCache, type BoltAppIdentity } from './bolt-app-cache.ts';

// One App per integration, for exactly the credentials and config it was built with, and no more
// than the limit in all: rotations and deleted integrations leave nothing behind.

const identity = (botToken: string, extra: Partial<BoltAppIdentity> = {}): BoltAppIdentity => ({ botToken, slashCommand: '/hub', slackApiUrl: 'https://slack.com/api/', ...extra });

/** A cache whose "Apps" name what they were built for, counting the builds. */
function cache(limit = 10) {
  let builds = 0;
  const apps = createBoltAppCache<string>(limit);
  const get = (integrationId: string, id: BoltAppIdentity) =>
    apps.get(integrationId, id, () => {
      builds += 1;
      return `${integrationId}/${id.botToken}/${id.slashCommand}/${id.slackApiUrl}#${builds}`;
    });
  return { apps, get, builds: () => builds };
}

describe('createBoltAppCache', () => {
  it('builds an integration\'s App once for the same credentials and config', () => {
    const { apps, get, builds } = cache();
    const first = get('int-1', identity('xoxb-one'));
    expect(get('int-1', identity('xoxb-one'))).toBe(first);
    expect(builds()).toBe(1);
    expect(apps.size).toBe(1);
  });

  it('replaces the App on a rotation or a config change rather than adding one', () => {
    const { apps, get } = cache();
    get('int-1', identity('xoxb-one'));
    for (const [n, changed] of [identity('xoxb-two'), identity('xoxb-two', { slashCommand: '/grc' }), identity('xoxb-two', { slashCommand: '/grc', slackApiUrl: 'https://proxy.internal/api/' })].entries()) {
      expect(get('int-1', changed)).toBe(`int-1/${changed.botToken}/${changed.slashCommand}/${changed.slackApiUrl}#${n + 2}`);
      expect(apps.size).toBe(1);
    }
  });

  it('never serves new credentials from the App of old ones, even when the tokens end alike', () => {
    const { get } = cache();
    const old = get('int-1', identity('xoxb-old-aaaa-test-token'));
    const rotated = get('int-1', identity('xoxb-new-bbbb-test-token'));
    expect(rotated).not.toBe(old);
    expect(rotated).toContain('xoxb-new-bbbb-test-token');
    // A late request still carrying the old token gets an App of its own, not the rotated one.
    expect(get('int-1', identity('xoxb-old-aaaa-test-token'))).toContain('xoxb-old-aaaa-test-token');
    expect(get('int-1', identity('xoxb-new-bbbb-test-token'))).toContain('xoxb-new-bbbb-test-token');
  });

  it('drops the least recently used integration past the limit (a deleted integration goes in the end)', () => {
    const { apps, get, builds } = cache(2);
    const a = get('int-a', identity('xoxb-a'));
    get('int-b', identity('xoxb-b'));
    expect(get('int-a', identity('xoxb-a'))).toBe(a);
    get('int-c', identity('xoxb-c'));

    expect(apps.size).toBe(2);
    expect(get('int-a', identity('xoxb-a'))).toBe(a);
    expect(builds()).toBe(3);
    // int-b, used least recently, was dropped: it is built again.
    get('int-b', identity('xoxb-b'));
    expect(builds()).toBe(4);
    expect(apps.size).toBe(2);
  });
});
