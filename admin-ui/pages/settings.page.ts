import type { TenantSettings } from '../../core/tenancy/tenant-settings.ts';
import { csrfField } from '../components/csrf-field.ts';
import { html, nothing, type Html } from '../html.ts';

export function SettingsPage(settings: TenantSettings, csrf: string): Html {
  return html`<section class="card" aria-labelledby="settings-rotation"><h2 id="settings-rotation">Credential rotations</h2>
<form method="post" action="/admin/settings" class="form">
  ${csrfField(csrf)}
  <div class="field field--checkbox">
    <input type="hidden" name="requireRotationApproval" value="false"><input type="checkbox" id="f-requireRotationApproval" name="requireRotationApproval" value="true"${
      settings.requireRotationApproval ? html` checked` : nothing
    } aria-describedby="f-requireRotationApproval-hint">
    <label for="f-requireRotationApproval">Require a second admin to approve credential rotations</label>
    <p class="hint" id="f-requireRotationApproval-hint">A validated new secret waits until another admin approves it; the one who asked cannot.</p>
  </div>
  <div class="form-actions"><button type="submit" class="button button--primary">Save settings</button></div>
</form></section>`;
}
