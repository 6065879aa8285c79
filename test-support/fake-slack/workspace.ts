import { createTsClock } from './ts-clock.ts';
import type { EphemeralMessage, FakeSlackOptions, FakeSlackUser, MessageUpdate, PostedMessage } from './types.ts';

// Everything the fake workspace remembers, shared by the method handlers and the test-facing API.

export const BOT_USER_ID = 'U0FAKEBOT';
export const BOT_ID = 'B0FAKEBOT';
export const BOT_NAME = 'hub';

export interface Workspace {
  botToken: string;
  teamId: string;
  users: Map<string, FakeSlackUser>;
  enforceChannelRate: boolean;
  /** Channels whose chat.postMessage answers not_in_channel. */
  channelsWithoutBot: Set<string>;
  messages: PostedMessage[];
  updates: MessageUpdate[];
  ephemerals: EphemeralMessage[];
  /** Epoch ms of the last accepted chat.postMessage per channel, for the per-channel rate limit. */
  lastPostAt: Map<string, number>;
  nextTs: () => string;
}

export function createWorkspace(options: FakeSlackOptions): Workspace {
  const users = new Map<string, FakeSlackUser>([[BOT_USER_ID, { name: BOT_NAME, isBot: true }]]);
  for (const [id, user] of Object.entries(options.users ?? {})) users.set(id, user);
  return {
    botToken: options.botToken ?? 'xoxb-test-token',
    teamId: options.teamId ?? 'T0001',
    users,
    enforceChannelRate: options.enforceChannelRate ?? false,
    channelsWithoutBot: new Set(options.channelsWithoutBot ?? []),
    messages: [],
    updates: [],
    ephemerals: [],
    lastPostAt: new Map(),
    nextTs: createTsClock(),
  };
}

/** A posted message with every later chat.update applied (fields an update sends replace the old ones). */
export function latestMessage(workspace: Workspace, channel: string, ts: string): PostedMessage | undefined {
  const posted = workspace.messages.find((message) => message.channel === channel && message.ts === ts);
  if (!posted) return undefined;
  const current: PostedMessage = { ...posted };
  for (const update of workspace.updates) {
    if (update.channel !== channel || update.ts !== ts) continue;
    if (update.text !== undefined) current.text = update.text;
    if (update.blocks !== undefined) current.blocks = update.blocks;
  }
  return current;
}
