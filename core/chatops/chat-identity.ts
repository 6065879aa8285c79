import type { ChatIdentity } from '../../connectors/sdk/operations.types.ts';
import type { UserRow } from '../db/database.types.ts';
import type { HubContext } from '../server/hub-context.ts';

/**
 * The hub user behind a chat user: an explicit link first, else a hub user of the tenant with the
 * platform's verified email — remembered as a link so the next command needs no lookup.
 */
export async function linkedUser(hub: HubContext, tenantId: string, who: ChatIdentity): Promise<UserRow | undefined> {
  const linked = await hub.db
    .selectFrom('chat_user_links')
    .innerJoin('users', 'users.id', 'chat_user_links.hub_user_id')
    .selectAll('users')
    .where('chat_user_links.tenant_id', '=', tenantId)
    .where('chat_user_links.platform', '=', who.platform)
    .where('chat_user_links.team_id', '=', who.teamId)
    .where('chat_user_links.user_id', '=', who.userId)
    .executeTakeFirst();
  if (linked) return linked.disabled_at ? undefined : linked;
  if (!who.email) return undefined;
  const byEmail = await hub.db
    .selectFrom('users')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where((eb) => eb(eb.fn('lower', ['email']), '=', who.email?.toLowerCase() ?? ''))
    .where('disabled_at', 'is', null)
    .executeTakeFirst();
  if (!byEmail) return undefined;
  await hub.db
    .insertInto('chat_user_links')
    .values({ tenant_id: tenantId, platform: who.platform, team_id: who.teamId, user_id: who.userId, hub_user_id: byEmail.id, linked_by: 'verified-email' })
    .onConflict((oc) => oc.columns(['tenant_id', 'platform', 'team_id', 'user_id']).doNothing())
    .execute();
  return byEmail;
}
