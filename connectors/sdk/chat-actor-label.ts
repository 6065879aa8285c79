import type { ChatIdentity } from './operations.types.ts';

// How a person acting from chat is named on a task (acknowledged_by, resolved_by) and in its
// history: `slack:T0123ABCD:U0123ABCD olivia (olivia@acme.example)`. The hub user's email says who
// it was in the hub; the workspace and member ids, first and straight from the signed request, let
// the chat connector name the person in a channel by a mention instead of by their email, and tell
// whether the channel's workspace can resolve that mention at all.

export function chatActorLabel(who: ChatIdentity, hubUserEmail: string): string {
  const name = who.userName && who.userName !== who.userId ? ` ${who.userName}` : '';
  // A request that named no workspace makes a label like those written before it was kept.
  const team = who.teamId ? `${who.teamId}:` : '';
  return `${who.platform}:${team}${who.userId}${name} (${hubUserEmail})`;
}

/** A chat member named by a task's actor label. */
export interface ChatActor {
  platform: ChatIdentity['platform'];
  /** Undefined in labels written before the workspace was kept. */
  teamId?: string;
  userId: string;
  /** The name the platform gave when they acted, when it gave one. */
  name?: string;
}

// Slack workspace and member ids are upper-case letters and digits (T…, E…, U…, W…). Labels
// written before the id came first start with the name, which Slack keeps lower-case, so they are
// not taken for an id. The last parenthesised group is the hub user; a name may hold its own (so
// the name is matched lazily, and only when there is one: the hub user alone is no name).
const CHAT_ACTOR = /^(slack):(?:([A-Z][A-Z0-9]{2,}):)?([A-Z][A-Z0-9]{2,})(?: (.*?))??(?: \([^()]*\))?$/s;

/** The chat member a task's actor label names, if it is one written by chatActorLabel. */
export function chatActorOf(label: string): ChatActor | undefined {
  const match = CHAT_ACTOR.exec(label);
  if (!match) return undefined;
  const [, platform, teamId, userId, name] = match;
  return { platform: platform as ChatActor['platform'], ...(teamId ? { teamId } : {}), userId: userId!, ...(name ? { name } : {}) };
}
