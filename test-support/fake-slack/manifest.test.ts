import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// The manifest is pasted into Slack by hand, so a typo would only show up for an admin; these
// checks keep it consistent with what the Slack connector expects.

const manifestPath = new URL('../../connectors/slack/manifest.yaml', import.meta.url);
const HOOK_URL = /^https:\/\/hub\.example\.com\/hooks\/<integration-id>$/;

interface Manifest {
  _metadata?: { major_version?: number };
  display_information?: { name?: string; description?: string };
  features?: {
    bot_user?: { display_name?: string; always_online?: boolean };
    slash_commands?: Array<{ command?: string; url?: string; description?: string; usage_hint?: string; should_escape?: boolean }>;
  };
  oauth_config?: { scopes?: { bot?: string[] } };
  settings?: {
    interactivity?: { is_enabled?: boolean; request_url?: string };
    event_subscriptions?: { request_url?: string; bot_events?: string[] };
    org_deploy_enabled?: boolean;
    socket_mode_enabled?: boolean;
    token_rotation_enabled?: boolean;
  };
}

describe('connectors/slack/manifest.yaml', () => {
  const manifest = parse(readFileSync(manifestPath, 'utf8')) as Manifest;

  it('is a version 1 manifest with a bot user', () => {
    expect(manifest._metadata?.major_version).toBe(1);
    expect(manifest.display_information?.name).toBeTruthy();
    expect((manifest.display_information?.name ?? '').length).toBeLessThanOrEqual(35);
    expect(manifest.features?.bot_user).toMatchObject({ display_name: expect.any(String), always_online: true });
  });

  it('declares the /hub slash command with every subcommand in its usage hint', () => {
    const commands = manifest.features?.slash_commands ?? [];
    expect(commands).toHaveLength(1);
    const hub = commands[0];
    expect(hub).toMatchObject({ command: '/hub', should_escape: false, description: expect.any(String) });
    expect(hub?.url).toMatch(HOOK_URL);
    for (const word of ['ack TASK-42', 'resolve TASK-42 [note]', 'status [integration]', 'runbook <code>', 'retry <integration>', 'help']) expect(hub?.usage_hint).toContain(word);
  });

  it('points interactivity and events at the same hook URL as the command, over HTTP not socket mode', () => {
    const url = manifest.features?.slash_commands?.[0]?.url;
    expect(manifest.settings?.interactivity).toEqual({ is_enabled: true, request_url: url });
    expect(manifest.settings?.event_subscriptions).toEqual({ request_url: url, bot_events: ['app_mention'] });
    expect(manifest.settings).toMatchObject({ org_deploy_enabled: false, socket_mode_enabled: false, token_rotation_enabled: false });
  });

  it('asks for the bot scopes the connector uses, and the one app_mention requires', () => {
    expect(manifest.oauth_config?.scopes?.bot?.slice().sort()).toEqual(
      ['app_mentions:read', 'chat:write', 'chat:write.public', 'commands', 'im:write', 'usergroups:read', 'users:read', 'users:read.email'].sort(),
    );
  });
});
