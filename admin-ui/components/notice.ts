import { html, nothing, type Html } from '../html.ts';

export type NoticeKind = 'success' | 'info' | 'warning' | 'error';

export interface Notice {
  kind: NoticeKind;
  text: string | Html;
}

// After a POST the UI redirects (so reload does not repeat it) with `?notice=<key>`. Only these
// keys render, so a crafted link cannot put arbitrary text on the page.
const MESSAGES: Record<string, Notice> = {
  created: { kind: 'success', text: 'Integration created. Run a check to confirm the connection works.' },
  saved: { kind: 'success', text: 'Changes saved.' },
  paused: { kind: 'info', text: 'Scheduled polls are paused, and queued work waits until you resume. Manual runs still work.' },
  resumed: { kind: 'success', text: 'Scheduled polls resumed.' },
  resumed_disabled: { kind: 'warning', text: 'The pause is lifted, but the integration is disabled: it polls on schedule only once it is enabled again (Configuration → Enabled).' },
  deleted: { kind: 'success', text: 'Integration deleted.' },
  acknowledged: { kind: 'success', text: 'Task acknowledged.' },
  resolved: { kind: 'success', text: 'Task resolved.' },
  replayed: { kind: 'success', text: 'Event queued for routing again; reload to see its status.' },
  replayed_some_stay_failed: {
    kind: 'warning',
    text: 'Event queued for routing again, but some of its failed actions stay failed: their route was deleted, switched off or no longer matches this event. Fix the route, then replay again.',
  },
  route_created: { kind: 'success', text: 'Route created. Matching events run its action from now on.' },
  route_saved: { kind: 'success', text: 'Route saved.' },
  route_deleted: { kind: 'success', text: 'Route deleted.' },
  settings_saved: { kind: 'success', text: 'Settings saved.' },
  settings_change_pending: { kind: 'info', text: 'Rotation approval stays on until another admin approves switching it off; the one who asked cannot.' },
  settings_change_approved: { kind: 'success', text: 'Switch-off approved: credential rotations no longer wait for a second admin.' },
  settings_change_cancelled: { kind: 'info', text: 'Request cancelled; rotation approval stays on.' },
  token_revoked: { kind: 'success', text: 'Token revoked; it stops working at once.' },
  token_revoked_with_descendants: { kind: 'success', text: 'Token revoked with every token made from it; they stop working at once.' },
  token_revoked_descendants_left: { kind: 'warning', text: 'Token revoked; it stops working at once. Tokens made from it still work: if it leaked, revoke them too from its row below.' },
  signed_out: { kind: 'info', text: 'You are signed out.' },
  session_expired: { kind: 'warning', text: 'Your session has ended. Sign in again to continue.' },
  rotation_applied: { kind: 'success', text: 'New credentials validated and applied.' },
  rotation_pending: { kind: 'info', text: 'New credentials validated. They wait for another admin to approve them.' },
  rotation_rejected: { kind: 'info', text: 'Rotation rejected; the current credentials stay in place.' },
  previous_revoked: { kind: 'success', text: 'Webhooks signed with the replaced secret are refused from now on (within two seconds).' },
};

export function noticeFor(key: string | undefined): Notice | undefined {
  return key ? MESSAGES[key] : undefined;
}

export function noticeBanner(notice: Notice | undefined): Html {
  if (!notice) return nothing;
  const role = notice.kind === 'error' || notice.kind === 'warning' ? 'alert' : 'status';
  return html`<div class="notice notice--${notice.kind}" role="${role}">${notice.text}</div>`;
}
