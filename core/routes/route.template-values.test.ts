import { describe, expect, it } from 'vitest';
import type { TemplateValues } from '../../connectors/sdk/connector.types.ts';
import { routeInput } from './route.apply.ts';
import { renderTemplate, RenderedTooLargeError } from './route.template.ts';

// An action whose text fields are markup (as Slack's mrkdwn) declares how event data is written
// into them: the values a template fills in from an event are escaped there, and only there, while
// the admin's own template text stays as written.

const escapeMarkup = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const markup: TemplateValues = {
  escape: escapeMarkup,
  // The top-level `text`, and the `text` of any { type: 'mrkdwn' } object in `blocks`.
  isMarkup: (path, holder) =>
    (path.length === 1 && path[0] === 'text') ||
    (path[0] === 'blocks' && path.at(-1) === 'text' && typeof holder === 'object' && holder !== null && (holder as { type?: unknown }).type === 'mrkdwn'),
};

const hostile = '<!channel> urgent: <https://evil.example/sso|Re-authenticate at https://sso.acme.com> & more';
const escaped = '&lt;!channel&gt; urgent: &lt;https://evil.example/sso|Re-authenticate at https://sso.acme.com&gt; &amp; more';
const scope = { event: { payload: { short_description: hostile, count: 3, channel: 'C<1>', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: hostile } }, { type: 'header', text: { type: 'plain_text', text: hostile } }] } } };

describe('route template values for an action with markup fields', () => {
  it('escapes what a placeholder splices into a markup field, and leaves the template\'s own markup live', () => {
    const template = { channel: '{{event.payload.channel}} here', text: '<!here> New incident: {{event.payload.short_description}} <https://runbook|Runbook>' };
    expect(renderTemplate(template, scope, undefined, markup)).toEqual({
      // Not a markup field: as the event says.
      channel: 'C<1> here',
      text: `<!here> New incident: ${escaped} <https://runbook|Runbook>`,
    });
  });

  it('escapes a string a placeholder takes whole, and keeps a whole value of another type as it is', () => {
    expect(renderTemplate({ text: '{{event.payload.short_description}}' }, scope, undefined, markup)).toEqual({ text: escaped });
    expect(renderTemplate({ text: '{{event.payload.count}}' }, scope, undefined, markup)).toEqual({ text: 3 });
    expect(renderTemplate({ text: '{{event.payload.missing}}' }, scope, undefined, markup)).toEqual({});
  });

  it('escapes values in the mrkdwn text objects of blocks, not in plain_text ones, whether spliced or given whole by the event', () => {
    const template = {
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: '*<!here>* {{event.payload.short_description}}' }, fields: [{ type: 'mrkdwn', text: '{{event.payload.short_description}}' }] },
        { type: 'header', text: { type: 'plain_text', text: '{{event.payload.short_description}}' } },
      ],
    };
    expect(renderTemplate(template, scope, undefined, markup)).toEqual({
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `*<!here>* ${escaped}` }, fields: [{ type: 'mrkdwn', text: escaped }] },
        { type: 'header', text: { type: 'plain_text', text: hostile } },
      ],
    });
    // Blocks taken whole from the event are event data through and through.
    expect(renderTemplate({ blocks: '{{event.payload.blocks}}' }, scope, undefined, markup)).toEqual({
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: escaped } }, { type: 'header', text: { type: 'plain_text', text: hostile } }],
    });
  });

  it('judges a text object by its type as rendered, so a type filled in from the event counts too', () => {
    const template = { blocks: [{ type: 'section', text: { type: '{{event.payload.kind}}', text: '{{event.payload.short_description}}' } }] };
    const rendered = renderTemplate(template, { event: { payload: { kind: 'mrkdwn', short_description: hostile } } }, undefined, markup);
    expect(rendered).toEqual({ blocks: [{ type: 'section', text: { type: 'mrkdwn', text: escaped } }] });
  });

  it('renders as before for an action that declares no markup fields', () => {
    expect(renderTemplate({ text: 'x {{event.payload.short_description}}' }, scope)).toEqual({ text: `x ${hostile}` });
  });

  it('counts what escaping adds against the render bound', () => {
    const angles = { event: { payload: { a: '<'.repeat(100) } } };
    expect(renderTemplate({ text: '{{event.payload.a}}' }, angles, 400, markup)).toEqual({ text: '&lt;'.repeat(100) });
    expect(() => renderTemplate({ text: '{{event.payload.a}}' }, angles, 399, markup)).toThrow(RenderedTooLargeError);
  });

  it('renders a route\'s input through its target action\'s declaration, for routing and replay alike', () => {
    const event = { id: 'e1', integration_id: 'i1', source: 'webhook' as const, type: 'incident.update', external_id: 'x', stream: null, payload: scope.event.payload, received_at: new Date() };
    const route = { input_template: { channel: 'C1', text: '<!here> {{event.payload.short_description}}' } };
    const source = { name: 'SN', connector: 'servicenow', environment: 'production' };
    expect(routeInput(route, event, source, { templateValues: markup })).toEqual({ channel: 'C1', text: `<!here> ${escaped}` });
    expect(routeInput(route, event, source, {})).toEqual({ channel: 'C1', text: `<!here> ${hostile}` });
    expect(routeInput(route, event, source, undefined)).toEqual({ channel: 'C1', text: `<!here> ${hostile}` });
  });
});
