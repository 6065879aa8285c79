import { html, type Html } from '../html.ts';

export function runbookLink(code: string, label = 'Open the runbook'): Html {
  return html`<a href="/admin/runbooks/${code}">${label}<span class="visually-hidden"> for ${code}</span></a>`;
}
