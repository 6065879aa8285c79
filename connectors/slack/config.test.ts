import { describe, expect, it } from 'vitest';
import { SlackConfig, SlackConfigOnSave } from './config.ts';

// The bot token goes to slackApiUrl with every call: a URL saved now is https (plain http for a
// local fake), and config, which every viewer reads, holds no password in it. A URL saved before
// this rule is still read, so the integration keeps working until its config is next changed.

const onSave = (slackApiUrl: string) => {
  const read = SlackConfig.safeParse({ slackApiUrl });
  if (!read.success) return read.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  return SlackConfigOnSave.safeParse(read.data).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
};

describe('slackApiUrl', () => {
  it('takes Slack, a proxy over https, or a local fake', () => {
    expect(SlackConfig.parse({}).slackApiUrl).toBe('https://slack.com/api/');
    for (const url of ['https://slack.com/api/', 'https://slack-proxy.internal/slack/api/', 'http://127.0.0.1:4100/api/', 'http://localhost:4100/']) {
      expect(onSave(url), url).toEqual([]);
    }
  });

  it('refuses to save plain http to another host, or a user name, password, query or fragment in it', () => {
    expect(onSave('http://proxy.internal/api/')).toEqual(['slackApiUrl: must start with https:// (plain http is accepted only for localhost)']);
    for (const url of ['https://hub:secret@proxy.internal/api/', 'https://proxy.internal/api/?token=x/', 'https://proxy.internal/api/#x/']) {
      expect(onSave(url), url).toEqual(['slackApiUrl: must not hold a user name, password, query or fragment, e.g. https://slack.com/api/']);
    }
    expect(onSave('https://slack.com/api')).toEqual(['slackApiUrl: expected a URL ending in /, e.g. https://slack.com/api/']);
  });

  it('still reads such a URL saved before the rule', () => {
    expect(SlackConfig.parse({ slackApiUrl: 'http://egress-proxy.internal:3128/api/' }).slackApiUrl).toBe('http://egress-proxy.internal:3128/api/');
  });
});
