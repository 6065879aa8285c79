import type { FieldError } from '../../core/http/api-error.ts';
import type { ConnectorInfo } from '../../schemas/api/connector.schema.ts';
import { html, nothing, when, type Html } from '../html.ts';
import { csrfField } from './csrf-field.ts';
import { errorsByPath, errorSummary } from './error-summary.ts';
import type { JsonSchema } from './json-schema.ts';
import { runbookLink } from './runbook-link.ts';
import { renderSchemaFields, type RenderedField } from './schema-form.ts';

export type WizardStage = 'enter' | 'check_failed' | 'pending_approval' | 'applied';

export interface CredentialRotationWizardProps {
  integrationId: string;
  connector: ConnectorInfo;
  /** Labels of stored optional fields that keep their value when left blank (never the values). */
  keptFields: readonly string[];
  csrf: string;
  stage: WizardStage;
  approvalRequired: boolean;
  errors: readonly FieldError[];
  checkFailure?: { code: string; message: string } | undefined;
  /** What the admin typed that is not secret, kept after a failed attempt. */
  reason: string;
  expiresOn: string;
}

function steps(stage: WizardStage, approvalRequired: boolean): Html {
  const names = ['Enter the new secret', 'Validate with a connection check', ...(approvalRequired ? ['Second admin approves'] : []), 'Applied'];
  const current = stage === 'enter' ? 0 : stage === 'check_failed' ? 1 : stage === 'pending_approval' ? 2 : names.length - 1;
  const items = names.map((name, i) => {
    const done = i < current || (stage === 'applied' && i === current);
    return html`<li class="${done ? 'done' : ''}"${i === current && stage !== 'applied' ? html` aria-current="step"` : nothing}>${name}${done ? html`<span class="visually-hidden"> (done)</span>` : nothing}</li>`;
  });
  return html`<ol class="steps" aria-label="Rotation steps">${items}</ol>`;
}

/** "A", "A and B", "A, B and C". */
function list(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** Enter → validate (check with the new secret) → approve when the tenant requires it → applied. */
export function CredentialRotationWizard(props: CredentialRotationWizardProps): Html {
  const errors = errorsByPath(props.errors);
  const rendered = new Map<string, RenderedField>();
  const fields = renderSchemaFields(props.connector.credentialsSchema as JsonSchema, 'credentials', undefined, { errors, writeOnly: true, rendered });
  rendered.set('reason', { id: 'rotation-reason', label: 'Reason' });
  rendered.set('expiresAt', { id: 'rotation-expires', label: 'New secret expires on' });
  const failure = props.checkFailure
    ? html`<div class="notice notice--error" role="alert"><strong>The new credentials failed the connection check</strong>: <code>${props.checkFailure.code}</code> — ${props.checkFailure.message}
<br>Nothing changed: the current credentials stay in place. ${runbookLink(props.checkFailure.code)}.</div>`
    : nothing;
  return html`<section class="card" aria-labelledby="rotate-title">
  <h2 id="rotate-title">Rotate credentials</h2>
  ${steps(props.stage, props.approvalRequired)}
  <p class="muted">The hub runs ${props.connector.displayName}'s connection check with the new secret before anything changes, so a wrong secret is refused and the current one keeps working.
  ${props.approvalRequired ? 'This workspace requires a second admin to approve each rotation before it is applied.' : 'Once the check passes, the new secret replaces the old one at once.'}</p>
  ${failure}
  ${errorSummary(props.errors, rendered)}
  <form method="post" action="/admin/integrations/${props.integrationId}/credentials/rotate" class="form" novalidate>
    ${csrfField(props.csrf)}
    ${when(props.keptFields.length > 0, () => html`<p class="notice notice--info">Left blank, ${list(props.keptFields)} ${props.keptFields.length === 1 ? 'keeps its' : 'keep their'} stored value.</p>`)}
    ${fields}
    <div class="field">
      <label for="rotation-reason">Reason <span class="optional">(optional)</span></label>
      <p class="hint" id="rotation-reason-hint">Kept in the credential audit, e.g. "quarterly rotation" or "password changed upstream".</p>
      <input id="rotation-reason" name="reason" type="text" maxlength="500" class="input" value="${props.reason}" aria-describedby="rotation-reason-hint">
    </div>
    <div class="field">
      <label for="rotation-expires">New secret expires on <span class="optional">(optional)</span></label>
      <p class="hint" id="rotation-expires-hint">Reminders go out 14, 7 and 1 days ahead.</p>
      <input id="rotation-expires" name="expiresOn" type="date" class="input input--short" value="${props.expiresOn}" aria-describedby="rotation-expires-hint">
    </div>
    <div class="form-actions"><button type="submit" class="button button--primary">Validate and ${props.approvalRequired ? 'request approval' : 'rotate'}</button></div>
  </form>
</section>`;
}
