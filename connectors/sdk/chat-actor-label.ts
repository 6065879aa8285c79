import type { ChatIdentity } from './operations.types.ts';

// How a person acting from chat is named on a task (acknowledged_by, resolved_by) and in its
// history: `slack:U0123ABCD olivia (olivia@acme.example)`. The hub user's email says who it was in
// the hub; the chat member id, first and straight from the signed request, lets the chat connector
// name the person in a channel by a mention instead of by their email.

export function chatActorLabel(who: ChatIdentity, hubUserEmail: string): string {
  const name = who.userName && who.userName !== who.userId ? ` ${who.userName}` : '';
  return `${who.platform}:${who.userId}${name} (${hubUserEmail})`;
}

// Slack member ids are upper-case letters and digits (U…, W…). Labels written before the id came
// first start with the name, which Slack keeps lower-case, so they are not taken for an id.
const CHAT_ACTOR = /^(slack):([A-Z][A-Z0-9]{2,})(?: |$)/;

/** The chat member a task's actor label names, if it is one written by chatActorLabel. */
export function chatActorOf(label: string): { platform: ChatIdentity['platform']; userId: string } | undefined {
  const match = CHAT_ACTOR.exec(label);
  return match ? { platform: match[1] as ChatIdentity['platform'], userId: match[2]! } : undefined;
}
