import type { IncomingHttpHeaders } from 'node:http';

// The shapes a test reads back from the fake. Optional fields are `| undefined` so records can be
// built from parsed request bodies without conditional spreads.

export interface FakeSlackUser {
  name: string;
  email?: string | undefined;
  /** Defaults to the fake's workspace id. */
  teamId?: string | undefined;
  isBot?: boolean | undefined;
}

export interface FakeSlackOptions {
  /** The only token the Web API accepts (default `xoxb-test-token`). */
  botToken?: string | undefined;
  /** The workspace id (default `T0001`). */
  teamId?: string | undefined;
  /** users.info answers for these ids (the bot user is always known). */
  users?: Record<string, FakeSlackUser> | undefined;
  /**
   * Channels the bot is not a member of: chat.postMessage answers `not_in_channel`, as Slack does
   * for a private channel nobody invited the bot to (a public one needs `chat:write.public`).
   */
  channelsWithoutBot?: string[] | undefined;
  /** A second chat.postMessage to one channel within 1 s gets 429, Retry-After: 1. */
  enforceChannelRate?: boolean | undefined;
  /**
   * Web API calls take effect at once but are answered this many ms later: a slow Slack, so a
   * test can stop the caller while a post is made but not yet acknowledged.
   */
  answerDelayMs?: number | undefined;
}

/** One accepted chat.postMessage, as posted (see `latest` for the state after chat.update). */
export interface PostedMessage {
  channel: string;
  ts: string;
  text?: string | undefined;
  blocks?: unknown[] | undefined;
  thread_ts?: string | undefined;
  /** Epoch ms when the fake accepted it. */
  postedAt: number;
}

/** One accepted chat.update. */
export interface MessageUpdate {
  channel: string;
  ts: string;
  text?: string | undefined;
  blocks?: unknown[] | undefined;
  at: number;
}

/** One accepted chat.postEphemeral. */
export interface EphemeralMessage {
  channel: string;
  user: string;
  text?: string | undefined;
  blocks?: unknown[] | undefined;
  thread_ts?: string | undefined;
  /** The `message_ts` answered. */
  ts: string;
  postedAt: number;
}

/** Every Web API call, answered or not, in arrival order. */
export interface LoggedSlackRequest {
  /** The Web API method from the path, e.g. `chat.postMessage`. */
  method: string;
  headers: IncomingHttpHeaders;
  /** Form or JSON parameters; `blocks`/`attachments` sent as JSON strings are parsed. */
  body: Record<string, unknown>;
  at: number;
  /** HTTP status answered (set when the response is written). */
  status?: number | undefined;
  /** The `error` of an `ok: false` answer, if any. */
  error?: string | undefined;
}

/** One JSON POST to a `responseUrl(...)`. */
export interface ResponseUrlPost {
  id: string;
  /** The parsed JSON, or the raw text when it was not JSON. */
  body: unknown;
  at: number;
}

/** HTTP 429 with Retry-After, a bare HTTP status, or HTTP 200 `{ ok: false, error }`. */
export type FakeSlackFailure = { status: 429; retryAfter: number } | { status: number } | { error: string };
