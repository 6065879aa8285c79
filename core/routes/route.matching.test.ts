import { describe, expect, it } from 'vitest';
import { RouteFilter, routeMatches } from './route.filter.ts';
import { renderTemplate } from './route.template.ts';

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

  it('reads only the event data itself, never inherited members such as constructor or __proto__', () => {
    const scope = { event: { payload: { a: 1 } } };
    expect(renderTemplate({ c: '{{event.payload.constructor}}', p: '{{event.payload.__proto__}}', t: 'x {{event.payload.constructor}}' }, scope)).toEqual({ t: 'x ' });
    expect(routeMatches({ fields: { 'toString': 'x' } }, { ...event, payload: {} })).toBe(false);
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
