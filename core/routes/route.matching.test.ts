import { describe, expect, it } from 'vitest';
import { RouteFilter, routeMatches } from './route.filter.ts';
import { routeInput } from './route.apply.ts';
import { countPlaceholders, MAX_RENDERED_CHARS, renderTemplate, RenderedTooLargeError } from './route.template.ts';
import { MAX_TEMPLATE_PLACEHOLDERS, templateLimitErrors } from './route.template-limits.ts';
import { whyUnrendered } from './unrendered-input.ts';

const event = { integrationId: 'i1', connector: 'servicenow', type: 'incident.created', payload: { priority: '1', caller: { name: 'Ann' }, count: 3 } };

describe('route filter', () => {
  it('matches on source, connector, exact or prefixed type and payload fields', () => {
    expect(routeMatches({}, event)).toBe(true);
    expect(routeMatches({ connector: 'servicenow', eventType: 'incident.*' }, event)).toBe(true);
    expect(routeMatches({ eventType: 'incident.updated' }, event)).toBe(false);
    expect(routeMatches({ sourceIntegrationId: 'i2' }, event)).toBe(false);
    expect(routeMatches({ fields: { priority: '1', 'caller.name': 'Ann' } }, event)).toBe(true);
    expect(routeMatches({ fields: { priority: 1 } }, event)).toBe(false);
    expect(routeMatches({ fields: { 'caller.missing': 'x' } }, event)).toBe(false);
  });
});

describe('route template', () => {
  it('splices text, keeps whole-placeholder types and walks arrays and objects', () => {
    const scope = { event: { type: 'incident.created', payload: event.payload }, integration: { name: 'SN prod' } };
    expect(
      renderTemplate(
        { summary: 'New {{event.type}} from {{ integration.name }} for {{event.payload.caller.name}}', count: '{{event.payload.count}}', tags: ['{{event.payload.missing}}', 'x'], fixed: 5 },
        scope,
      ),
    ).toEqual({ summary: 'New incident.created from SN prod for Ann', count: 3, tags: [null, 'x'], fixed: 5 });
  });

  it('keeps null as null and leaves out a field whose placeholder finds nothing, so optional inputs stay unset', () => {
    const scope = { event: { payload: { assignee: null, urgency: '2' } } };
    expect(renderTemplate({ assignee: '{{event.payload.assignee}}', group: '{{event.payload.group}}', urgency: '{{event.payload.urgency}}', note: 'for {{event.payload.group}}' }, scope)).toEqual({
      assignee: null,
      urgency: '2',
      note: 'for ',
    });
  });

  it('reaches payload keys that are accented, CJK or hyphenated, as the filter does, instead of sending "{{…}}" upstream', () => {
    const scope = { event: { payload: { catégorie: 'Sécurité', 優先度: '高', 'sys-class': 'incident', title: 'Broken MFA' } } };
    expect(renderTemplate({ message: '{{event.payload.title}} [{{event.payload.catégorie}}] {{ event.payload.優先度 }}', class: '{{event.payload.sys-class}}' }, scope)).toEqual({
      message: 'Broken MFA [Sécurité] 高',
      class: 'incident',
    });
    expect(routeMatches({ fields: { catégorie: 'Sécurité', 'sys-class': 'incident' } }, { ...event, payload: scope.event.payload })).toBe(true);
    expect(countPlaceholders({ a: '{{event.payload.catégorie}} {{event.payload.sys-class}}' })).toBe(2);
  });

  it('reads only the event data itself, never inherited members such as constructor or __proto__', () => {
    const scope = { event: { payload: { a: 1 } } };
    expect(renderTemplate({ c: '{{event.payload.constructor}}', p: '{{event.payload.__proto__}}', t: 'x {{event.payload.constructor}}' }, scope)).toEqual({ t: 'x ' });
    expect(routeMatches({ fields: { 'toString': 'x' } }, { ...event, payload: {} })).toBe(false);
  });
});

describe('route template bounds', () => {
  const blob = 'y'.repeat(12 * 1024);
  const scope = { event: { payload: { blob, list: [blob, blob] } } };

  it('throws RenderedTooLargeError once what its placeholders put in passes the bound, spliced or whole', () => {
    expect(renderTemplate({ m: '{{event.payload.blob}}'.repeat(3) }, scope, 3 * blob.length)).toEqual({ m: blob.repeat(3) });
    expect(() => renderTemplate({ m: '{{event.payload.blob}}'.repeat(3) }, scope, 3 * blob.length - 1)).toThrow(RenderedTooLargeError);
    expect(() => renderTemplate({ a: ['{{event.payload.list}}', '{{event.payload.list}}'] }, scope, 3 * blob.length)).toThrow(RenderedTooLargeError);
  });

  it('stops a template that would render past the longest string JavaScript holds, without building it', () => {
    expect(() => renderTemplate({ m: '{{event.payload.blob}}'.repeat(45_000) }, scope)).toThrow(new RenderedTooLargeError(`its placeholders put more than ${MAX_RENDERED_CHARS} characters of event data into the input`));
  });

  it('routes such an event with a stand-in input that says why, for the action to fail on', () => {
    const event = { id: 'e1', integration_id: 'i1', source: 'webhook' as const, type: 'x.created', external_id: 'big', stream: null, payload: { blob }, received_at: new Date() };
    const input = routeInput({ input_template: { message: '{{event.payload.blob}}'.repeat(45_000) } }, event, { name: 'src', connector: 'testkit', environment: 'production' }, undefined);
    expect(whyUnrendered(input)).toMatch(/^the route's input template cannot be rendered for event e1: its placeholders put more than \d+ characters/);
    expect(whyUnrendered({ message: 'x' })).toBeUndefined();
  });

  it('counts placeholders in every string, and refuses a template with more than a template needs', () => {
    expect(countPlaceholders({ a: 'x {{event.type}} {{ event.id }}', b: ['{{event.payload}}', 3, { c: '{{integration.name}}' }], d: null })).toBe(4);
    expect(templateLimitErrors({ m: '{{event.type}}'.repeat(MAX_TEMPLATE_PLACEHOLDERS) })).toEqual([]);
    expect(templateLimitErrors({ m: '{{event.type}}'.repeat(MAX_TEMPLATE_PLACEHOLDERS + 1) })).toEqual([
      { path: 'body.inputTemplate', message: `holds ${MAX_TEMPLATE_PLACEHOLDERS + 1} placeholders; at most ${MAX_TEMPLATE_PLACEHOLDERS} are allowed` },
    ]);
  });
});

describe('route filter schema', () => {
  it('refuses a * anywhere but at the end of the type, and unsafe field paths', () => {
    expect(RouteFilter.safeParse({ eventType: 'failure.*' }).success).toBe(true);
    expect(RouteFilter.safeParse({ eventType: '*.created' }).success).toBe(false);
    expect(RouteFilter.safeParse({ eventType: 'incident.*.x' }).success).toBe(false);
    expect(RouteFilter.safeParse(JSON.parse('{"fields":{"__proto__":"x"}}')).success).toBe(false);
    expect(RouteFilter.safeParse({ fields: { 'a.constructor': 'x' } }).success).toBe(false);
    expect(RouteFilter.safeParse({ fields: { 'caller.name': 'Ann' } }).success).toBe(true);
  });
});
