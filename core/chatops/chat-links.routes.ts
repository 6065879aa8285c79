import { z } from 'zod';
import { auditAs } from '../audit/audit-as.ts';
import { NotFoundError, ValidationError } from '../http/api-error.ts';
import { defineRoute } from '../http/route.ts';
import { ErrorResponse, IdParams, Timestamp } from '../../schemas/api/common.schema.ts';
import { findUserByEmail } from '../users/user.repository.ts';
import { MAX_EMAIL_LENGTH, normalizeEmail } from '../users/user.service.ts';

const ChatLink = z.object({
  id: z.uuid(),
  platform: z.string(),
  teamId: z.string(),
  userId: z.string(),
  hubUser: z.object({ id: z.uuid(), email: z.string(), role: z.string() }),
  linkedBy: z.string().describe('an admin, or verified-email when the hub linked it from the Slack profile'),
  createdAt: Timestamp,
});
// Slack ids are a dozen characters or so; the bound keeps any input within the unique index.
const CreateChatLink = z.strictObject({
  teamId: z.string().max(64).regex(/^[TE][A-Z0-9]+$/, 'expected a Slack team id such as T0123ABC'),
  userId: z.string().max(64).regex(/^[UW][A-Z0-9]+$/, 'expected a Slack user id such as U0123ABC'),
  userEmail: z.email().max(MAX_EMAIL_LENGTH),
});

export const chatLinkRoutes = [
  defineRoute({
    method: 'get', path: '/api/slack/links', summary: 'Slack users linked to hub users', tag: 'slack', access: 'admin',
    responses: { 200: { description: 'links', schema: z.object({ links: z.array(ChatLink) }) } },
    async handler(_input, { hub, principal }) {
      const rows = await hub.db
        .selectFrom('chat_user_links')
        .innerJoin('users', 'users.id', 'chat_user_links.hub_user_id')
        .select(['chat_user_links.id', 'platform', 'team_id', 'user_id', 'linked_by', 'chat_user_links.created_at', 'users.id as hub_id', 'users.email', 'users.role'])
        .where('chat_user_links.tenant_id', '=', principal.tenantId)
        .where('chat_user_links.unlinked_at', 'is', null)
        .orderBy('chat_user_links.created_at')
        .execute();
      return {
        status: 200,
        body: {
          links: rows.map((row) => ({
            id: row.id, platform: row.platform, teamId: row.team_id, userId: row.user_id,
            hubUser: { id: row.hub_id, email: row.email, role: row.role }, linkedBy: row.linked_by, createdAt: row.created_at.toISOString(),
          })),
        },
      };
    },
  }),
  defineRoute({
    method: 'post', path: '/api/slack/links', summary: 'Link a Slack user to the hub user with this email (overrides email matching, undoes an unlink)', tag: 'slack', access: 'admin',
    body: CreateChatLink, responses: { 201: { description: 'linked', schema: ChatLink }, 400: { description: 'no such hub user', schema: ErrorResponse } },
    async handler({ body }, { hub, principal, requestId }) {
      // Emails are stored lower-cased; a disabled user may not act, so linking one would only mislead.
      const found = await findUserByEmail(hub.db, principal.tenantId, normalizeEmail(body.userEmail));
      if (!found) throw new ValidationError('no hub user has that email', [{ path: 'body.userEmail', message: 'no user of this tenant has this email; create one with `hub user create`' }]);
      if (found.disabled_at) throw new ValidationError('that hub user is disabled', [{ path: 'body.userEmail', message: 'this user is disabled; link an active user' }]);
      const user = { id: found.id, email: found.email, role: found.role };
      const row = await hub.db
        .insertInto('chat_user_links')
        .values({ tenant_id: principal.tenantId, platform: 'slack', team_id: body.teamId, user_id: body.userId, hub_user_id: user.id, linked_by: principal.label })
        .onConflict((oc) => oc.columns(['tenant_id', 'platform', 'team_id', 'user_id']).doUpdateSet({ hub_user_id: user.id, linked_by: principal.label, unlinked_at: null }))
        .returningAll()
        .executeTakeFirstOrThrow();
      await auditAs(hub.db, principal, requestId, { action: 'slack.user_linked', targetType: 'chat_link', targetId: row.id, detail: { slackUserId: body.userId, slackTeamId: body.teamId, hubUser: user.email } });
      return { status: 201, body: { id: row.id, platform: row.platform, teamId: row.team_id, userId: row.user_id, hubUser: user, linkedBy: row.linked_by, createdAt: row.created_at.toISOString() } };
    },
  }),
  defineRoute({
    method: 'delete', path: '/api/slack/links/:id', summary: 'Unlink a Slack user; they stay unlinked, also by email, until linked again here', tag: 'slack', access: 'admin', resource: 'chat_link',
    params: IdParams, responses: { 204: { description: 'unlinked' }, 404: { description: 'not found', schema: ErrorResponse } },
    async handler({ params }, { hub, principal, requestId }) {
      // Marked, not deleted: without the row, the user's next command would link them again by email.
      const row = await hub.db
        .updateTable('chat_user_links')
        .set({ unlinked_at: hub.clock() })
        .where('tenant_id', '=', principal.tenantId)
        .where('id', '=', params.id)
        .where('unlinked_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new NotFoundError('link');
      await auditAs(hub.db, principal, requestId, { action: 'slack.user_unlinked', targetType: 'chat_link', targetId: row.id, detail: { slackUserId: row.user_id } });
      return { status: 204 };
    },
  }),
];
