import { html, nothing, type Html } from '../html.ts';
import type { ConnectorInfo } from '../../schemas/api/connector.schema.ts';
import { humanize } from '../components/json-schema.ts';

function authKinds(connector: ConnectorInfo): Html {
  const items = connector.auth.map((auth) => {
    const type = String(auth['type'] ?? 'unknown');
    const description = typeof auth['description'] === 'string' ? auth['description'] : undefined;
    return html`<li class="chip"${description ? html` title="${description}"` : nothing}>${humanize(type)}</li>`;
  });
  return html`<ul class="chips">${items}</ul>`;
}

export function IntegrationCatalogPage(connectors: readonly ConnectorInfo[], options: { canAdd: boolean; counts: Map<string, number> }): Html {
  const tiles = connectors.map((connector) => {
    const configured = options.counts.get(connector.id) ?? 0;
    return html`<article class="card connector" aria-labelledby="connector-${connector.id}">
  <h2 id="connector-${connector.id}">${connector.displayName}</h2>
  <p>${connector.description}</p>
  <dl class="connector__meta">
    <dt>Authentication</dt><dd>${authKinds(connector)}</dd>
    <dt>Streams</dt><dd><ul class="chips">${connector.streams.map((s) => html`<li class="chip" title="${s.description}">${s.name}</li>`)}</ul></dd>
    ${connector.actions.length > 0 ? html`<dt>Actions</dt><dd><ul class="chips">${connector.actions.map((a) => html`<li class="chip" title="${a.description}">${a.name}</li>`)}</ul></dd>` : nothing}
    <dt>Webhooks</dt><dd>${connector.webhook ? 'Accepts signed webhooks' : 'Polling only'}</dd>
    <dt>Configured</dt><dd>${configured === 0 ? 'Not yet' : html`<a href="/admin/integrations?connector=${connector.id}">${configured} integration${configured === 1 ? '' : 's'}</a>`}</dd>
  </dl>
  ${options.canAdd ? html`<a class="button button--primary" href="/admin/integrations/new?connector=${connector.id}">Add integration<span class="visually-hidden"> for ${connector.displayName}</span></a>` : nothing}
</article>`;
  });
  return html`<p class="muted">Every connector this hub offers. Each integration is one connector configured for an environment.</p>
<div class="tiles">${tiles}</div>`;
}
