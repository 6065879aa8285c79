import type { CredentialAuditRow, CredentialRotationRow, IntegrationConfigRow } from '../../core/db/database.types.ts';
import { credentialExpiry } from '../components/credential-expiry.ts';
import { actionButton } from '../components/csrf-field.ts';
import { CredentialRotationWizard, type CredentialRotationWizardProps } from '../components/credential-rotation-wizard.ts';
import { timeTag } from '../components/time.ts';
import { html, nothing, type Html } from '../html.ts';

export interface CredentialsView {
  row: IntegrationConfigRow;
  audit: CredentialAuditRow[] | undefined;
  rotations: CredentialRotationRow[] | undefined;
  /** Present for admins. */
  wizard: CredentialRotationWizardProps | undefined;
  /** Pending rotations the viewer requested (as the same person): theirs to withdraw, not approve. */
  ownRotations: ReadonlySet<string>;
  csrf: string;
  now: Date;
  /** May stop the replaced secret from verifying webhooks. */
  admin: boolean;
  /** Until when the credentials the last change replaced still verify webhooks (previous-credentials.ts). */
  replacedSecretUntil: Date | null;
}

const ACTIONS: Record<string, string> = {
  set: 'Set',
  replaced: 'Replaced',
  rotation_requested: 'Rotation requested',
  rotation_check_failed: 'Rotation refused: check failed',
  rotated: 'Rotated',
  rotation_approved: 'Rotation approved and applied',
  rotation_rejected: 'Rotation rejected',
  rotation_superseded: 'Rotation dropped: other new credentials were applied first',
  previous_revoked: 'Replaced secret no longer accepted for webhooks',
  cleared: 'Cleared: the integration was moved to another host',
  expiry_changed: 'Expiry date changed',
};

const short = (fingerprint: string | null) => (fingerprint ? html`<code title="${fingerprint}">${fingerprint.slice(0, 10)}</code>` : html`<span class="muted">—</span>`);

// Steps that changed the stored secret; refused or pending rotations did not.
const CHANGES = new Set(['set', 'replaced', 'rotated', 'rotation_approved']);

/** The credentials the last change replaced, while they still verify webhooks (previous-credentials.ts). */
function replacedSecret(view: CredentialsView): Html {
  const until = view.replacedSecretUntil;
  if (!until) return nothing;
  const stop = view.admin
    ? html`<div class="actions">${actionButton({ action: `/admin/integrations/${view.row.id}/credentials/previous/revoke`, label: 'Stop accepting it now', csrf: view.csrf })}</div>`
    : nothing;
  return html`<dt>Replaced secret</dt><dd>Webhooks signed with it are still accepted until ${timeTag(until)}, while the sender switches to the new one. <span class="muted">Stop it once the sender uses the new secret, or at once if the old one may have leaked.</span>${stop}</dd>`;
}

function current(view: CredentialsView): Html {
  const row = view.row;
  const expires = row.credentials_expires_at;
  const lastChange = view.audit?.find((entry) => CHANGES.has(entry.action));
  return html`<section class="card" aria-labelledby="current-title">
  <h2 id="current-title">Current credentials</h2>
  <dl class="props">
    <dt>Stored</dt><dd>${row.credentials_ciphertext ? html`<strong>${row.credentials_hint ?? 'Set'}</strong> <span class="muted">(write-only; never shown)</span>` : html`<span class="badge badge--warn">Not set</span>`}</dd>
    <dt>Expiry</dt><dd>${expires ? html`${credentialExpiry(expires, view.now)} <span class="muted">(${timeTag(expires)})</span>` : html`<span class="muted">No expiry recorded</span>`}</dd>
    ${replacedSecret(view)}
    ${view.audit ? html`<dt>Last change</dt><dd>${lastChange ? html`${ACTIONS[lastChange.action] ?? lastChange.action} by ${lastChange.actor} · ${timeTag(lastChange.created_at, { now: view.now })}` : html`<span class="muted">Not recorded</span>`}</dd>` : nothing}
  </dl>
</section>`;
}

function pending(view: CredentialsView): Html {
  const waiting = (view.rotations ?? []).filter((rotation) => rotation.status === 'pending_approval');
  if (waiting.length === 0) return nothing;
  const items = waiting.map((rotation) => {
    const own = view.ownRotations.has(rotation.id);
    const base = `/admin/integrations/${view.row.id}/credentials/rotations/${rotation.id}`;
    return html`<li>
  <strong>Requested by ${rotation.requested_by}</strong> ${timeTag(rotation.created_at, { now: view.now })}${rotation.reason ? html` — “${rotation.reason}”` : nothing}
  <span class="sub">New secret ${short(rotation.new_fingerprint)}, already validated by a connection check.</span>
  <div class="actions">${own ? html`<span class="muted">Another admin has to approve your own request.</span>` : actionButton({ action: `${base}/approve`, label: 'Approve and apply', csrf: view.csrf, variant: 'primary' })}
  ${actionButton({ action: `${base}/reject`, label: own ? 'Withdraw' : 'Reject', csrf: view.csrf })}</div>
</li>`;
  });
  return html`<section class="card" aria-labelledby="pending-title"><h2 id="pending-title">Waiting for approval</h2><ul class="timeline">${items}</ul></section>`;
}

function auditTable(audit: CredentialAuditRow[]): Html {
  if (audit.length === 0) return html`<p class="muted">No credential changes recorded yet.</p>`;
  return html`<div class="table-wrap"><table><thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Who</th><th scope="col">Approver</th><th scope="col">Reason</th><th scope="col">Fingerprint</th><th scope="col">Expires</th></tr></thead><tbody>${audit.map(
    (entry) => html`<tr><td class="nowrap">${timeTag(entry.created_at)}</td><td>${ACTIONS[entry.action] ?? entry.action}</td><td>${entry.actor}</td><td>${entry.approver ?? html`<span class="muted">—</span>`}</td><td>${entry.reason ?? html`<span class="muted">—</span>`}</td><td>${short(entry.old_fingerprint)} → ${short(entry.new_fingerprint)}</td><td>${timeTag(entry.expires_at, { empty: '—' })}</td></tr>`,
  )}</tbody></table></div>`;
}

export function CredentialManagementPage(view: CredentialsView): Html {
  return html`<div class="grid grid--sidebar">
  <div>
    ${view.wizard ? CredentialRotationWizard(view.wizard) : html`<section class="card"><h2>Rotate credentials</h2><p class="muted">Only admins can rotate credentials.</p></section>`}
  </div>
  <div>
    ${current(view)}
    ${pending(view)}
  </div>
</div>
<section class="card" aria-labelledby="audit-title"><h2 id="audit-title">Credential history</h2>
  ${view.audit ? auditTable(view.audit) : html`<p class="muted">Operators and admins can see who changed the credentials and when.</p>`}
  <p class="hint">Fingerprints are keyed hashes: equal fingerprints mean the same secret, and the secret cannot be recovered from them.</p>
</section>`;
}
