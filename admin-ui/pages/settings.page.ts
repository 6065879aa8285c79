import type { TenantSettingChangeRow } from '../../core/db/database.types.ts';
import type { TenantSettings } from '../../core/tenancy/tenant-settings.ts';
import { actionButton, csrfField } from '../components/csrf-field.ts';
import { timeTag } from '../components/time.ts';
import { html, nothing, type Html } from '../html.ts';

export interface SettingsView {
  settings: TenantSettings;
  /** The switch-off of rotation approval waiting for another admin, if one is. */
  pendingSwitchOff: TenantSettingChangeRow | undefined;
  /** The viewer asked for it (as the same person): theirs to withdraw, not approve. */
  ownRequest: boolean;
  csrf: string;
  now: Date;
}

// Offered as approval decides it, so the page never shows an Approve button that answers 403.
function pendingSwitchOff(view: SettingsView): Html {
  const change = view.pendingSwitchOff;
  if (!change) return nothing;
  const base = `/admin/settings/changes/${change.id}`;
  return html`<section class="card" aria-labelledby="settings-pending"><h2 id="settings-pending">Switching off waits for approval</h2>
<ul class="timeline"><li>
  <strong>Requested by ${change.requested_by}</strong> ${timeTag(change.created_at, { now: view.now })}
  <span class="sub">Rotations keep needing a second admin until another admin approves this.</span>
  <div class="actions">${view.ownRequest ? html`<span class="muted">Another admin has to approve your own request.</span>` : actionButton({ action: `${base}/approve`, label: 'Approve: stop requiring approval', csrf: view.csrf, variant: 'primary' })}
  ${actionButton({ action: `${base}/cancel`, label: view.ownRequest ? 'Withdraw' : 'Cancel request', csrf: view.csrf })}</div>
</li></ul></section>`;
}

export function SettingsPage(view: SettingsView): Html {
  const { settings, csrf } = view;
  return html`${pendingSwitchOff(view)}<section class="card" aria-labelledby="settings-rotation"><h2 id="settings-rotation">Credential rotations</h2>
<form method="post" action="/admin/settings" class="form">
  ${csrfField(csrf)}
  <div class="field field--checkbox">
    <input type="hidden" name="requireRotationApproval" value="false"><input type="checkbox" id="f-requireRotationApproval" name="requireRotationApproval" value="true"${
      settings.requireRotationApproval ? html` checked` : nothing
    } aria-describedby="f-requireRotationApproval-hint">
    <label for="f-requireRotationApproval">Require a second admin to approve credential rotations</label>
    <p class="hint" id="f-requireRotationApproval-hint">A validated new secret waits until another admin approves it; the one who asked cannot. Switching this on applies at once; switching it off, once on, waits for another admin's approval too. A workspace with a single admin needs a second one for that.</p>
  </div>
  <div class="form-actions"><button type="submit" class="button button--primary">Save settings</button></div>
</form></section>`;
}
