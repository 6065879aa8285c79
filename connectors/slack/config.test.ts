import { describe, expect, it } from 'vitest';
import { SlackConfig } from './config.ts';

// The bot token goes to slackApiUrl with every call: over TLS only (plain http for a local fake),
// and config, which every viewer reads, holds no password in it.

const issues = (slackApiUrl: string) => SlackConfig.safeParse({ slackApiUrl }).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];

describe('slackApiUrl', () => {
  it('takes Slack, a proxy over https, or a local fake', () => {
    expect(SlackConfig.parse({}).slackApiUrl).toBe('https://slack.com/api/');
    for (const url of ['https://slack.com/api/', 'https://slack-proxy.internal/slack/api/', 'http://127.0.0.1:4100/api/', 'http://localhost:4100/']) {
      expect(issues(url), url).toEqual([]);
    }
  });

  it('refuses plain http to another host, and a user name, password, query or fragment in it', () => {
    expect(issues('http://proxy.internal/api/')).toEqual(['slackApiUrl: must start with https:// (plain http is accepted only for localhost)']);
    for (const url of ['https://hub:secret@proxy.internal/api/', 'https://proxy.internal/api/?token=x', 'https://proxy.internal/api/#x']) {
      expect(issues(url), url).toEqual(['slackApiUrl: must not hold a user name, password, query or fragment, e.g. https://slack.com/api/']);
    }
    expect(issues('https://slack.com/api')).toEqual(['slackApiUrl: expected a URL ending in /, e.g. https://slack.com/api/']);
    expect(issues('slack.com')).toEqual(['slackApiUrl: must be a URL such as https://slack.com/api/']);
  });
});
