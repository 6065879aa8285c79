import type { ChatIdentity } from '../../connectors/sdk/operations.types.ts';
import type { UserRow } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';

/** Why a chat user is no one in the hub. Each has its own answer, since each has its own fix. */
export type NoHubUser =
  /** No link, and no hub user has the chat profile's verified email. */
  | 'not_linked'
  /** An admin unlinked the chat user (DELETE /api/slack/links/:id); only an admin's new link undoes it. */
  | 'unlinked_by_admin'
  /** The hub user behind the chat user, by link or by email, is disabled. */
  | 'user_disabled'
  /**
   * No link, and the chat platform could not say who the user is (no email for want of an answer):
   * nothing is known yet, so nothing is remembered; asking again in a moment may link them.
   */
  | 'lookup_failed';

export type ChatUserLookup = { user: UserRow } | { refused: NoHubUser };

/**
 * The hub user behind a chat user: an explicit link first, else a hub user of the tenant with the
 * platform's verified email — remembered as a link so the next command needs no lookup. A link an
 * admin removed is kept as unlinked, so that the email does not link the user again.
 */
export async function lookUpChatUser(hub: HubContext, tenantId: string, who: ChatIdentity): Promise<ChatUserLookup> {
  const linked = await hub.db
    .selectFrom('chat_user_links')
    .innerJoin('users', 'users.id', 'chat_user_links.hub_user_id')
    .selectAll('users')
    .select('chat_user_links.unlinked_at')
    .where('chat_user_links.tenant_id', '=', tenantId)
    .where('chat_user_links.platform', '=', who.platform)
    .where('chat_user_links.team_id', '=', who.teamId)
    .where('chat_user_links.user_id', '=', who.userId)
    .executeTakeFirst();
  if (linked) {
    const { unlinked_at: unlinkedAt, ...user } = linked;
    if (unlinkedAt) return { refused: 'unlinked_by_admin' };
    return user.disabled_at ? { refused: 'user_disabled' } : { user };
  }
  if (!who.email) return { refused: who.lookupFailed ? 'lookup_failed' : 'not_linked' };
  const byEmail = await hub.db
    .selectFrom('users')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where((eb) => eb(eb.fn('lower', ['email']), '=', who.email?.toLowerCase() ?? ''))
    .executeTakeFirst();
  if (!byEmail) return { refused: 'not_linked' };
  // Not remembered: enabling the hub user again is enough for the next command to link it.
  if (byEmail.disabled_at) return { refused: 'user_disabled' };
  await hub.db
    .insertInto('chat_user_links')
    .values({ tenant_id: tenantId, platform: who.platform, team_id: who.teamId, user_id: who.userId, hub_user_id: byEmail.id, linked_by: 'verified-email' })
    .onConflict((oc) => oc.columns(['tenant_id', 'platform', 'team_id', 'user_id']).doNothing())
    .execute();
  return { user: byEmail };
}
