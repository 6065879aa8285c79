import { ConnectorError } from '../sdk/failure.ts';
import type { SlackContext } from './slack-api.ts';

// What of a failed command or button press goes to the log: enough for an operator to see what
// failed (its code and message), nothing that lets anyone act as the app. The logger redacts
// fields by name (authorization, token, …), but cannot see into a message: a proxy at slackApiUrl
// or a library may quote the request, bot token included, and a response_url is itself a
// credential (anyone holding it may post to the channel for 30 minutes). So they are cut out here.

const MAX_MESSAGE_CHARS = 500;
const REDACTED = '[redacted]';
// Slack's token kinds (bot, user, app-level, refresh, …) and any bearer token (RFC 6750's characters).
const TOKEN_LIKE = /\b(?:xox[a-z]|xapp)-[A-Za-z0-9-]+|(?<=\bBearer\s+)[A-Za-z0-9._~+/=-]+/gi;
// A response_url's path: https://hooks.slack.com/commands/T…/…/<secret> (or /actions/…).
const RESPONSE_URL_PATH = /(\/(?:commands|actions)\/)[^\s"']+/g;
const CODE_LIKE = /^[A-Za-z0-9_.-]{1,64}$/;

export interface LoggableError {
  name: string;
  /** The ConnectorError's failure code, else the error's own code (a Slack or Node one) if it has one. */
  code?: string;
  message: string;
}

/** Bolt hands on a listener's error without a code wrapped in an UnknownError (as `original`). */
function unwrapped(error: unknown): unknown {
  const original = (error as { original?: unknown } | null)?.original;
  return (error as { code?: unknown } | null)?.code === 'slack_bolt_unknown_error' && original instanceof Error ? original : error;
}

function scrubbed(text: string, ctx: SlackContext): string {
  let safe = text;
  for (const secret of [ctx.credentials.botToken, ctx.credentials.signingSecret]) {
    if (secret) safe = safe.split(secret).join(REDACTED);
  }
  return safe.replace(TOKEN_LIKE, REDACTED).replace(RESPONSE_URL_PATH, `$1${REDACTED}`);
}

export function loggableError(error: unknown, ctx: SlackContext): LoggableError {
  const cause = unwrapped(error);
  if (!(cause instanceof Error)) return { name: 'unknown', message: scrubbed(String(cause), ctx).slice(0, MAX_MESSAGE_CHARS) };
  const ownCode = (cause as { code?: unknown }).code;
  const code = cause instanceof ConnectorError ? cause.code : typeof ownCode === 'string' && CODE_LIKE.test(ownCode) ? ownCode : undefined;
  return { name: cause.name, ...(code === undefined ? {} : { code }), message: scrubbed(cause.message, ctx).slice(0, MAX_MESSAGE_CHARS) };
}
